import { exactLog2 } from '../../fixed-point.js';
import type { IntegerKernel, KernelContext } from '../../types.js';
import {
  activationRange,
  fusedActivation,
  inputParams,
  KernelError,
  outputParams,
  requireDtype,
  type Scalar,
} from './params.js';

/** The int8 result of one element pair (qa, qb), before clamping to the activation range. */
export type PairFunction = (qa: number, qb: number) => number;

export interface BinaryParams {
  a: Scalar;
  b: Scalar;
  out: Scalar;
}

/**
 * An elementwise int8 op with NumPy broadcasting. Per-tensor parameters make the result a function of the
 * pair (qa, qb) alone, so `prepare` evaluates the scheme's arithmetic once for all 65,536 pairs and `run`
 * is a table lookup: the same numbers as evaluating it per element, at a fraction of the cost.
 */
export function binaryKernel(opType: string, pair: (cx: KernelContext, p: BinaryParams) => PairFunction): IntegerKernel {
  return {
    opType,
    prepare(cx) {
      const a = requireDtype(cx, 0, 'int8');
      const b = requireDtype(cx, 1, 'int8');
      const p: BinaryParams = { a: inputParams(cx, 0), b: inputParams(cx, 1), out: outputParams(cx, 0) };
      const [lo, hi] = activationRange(cx, fusedActivation(cx), p.out);
      const f = pair(cx, p);
      const table = new Int8Array(65536);
      for (let qa = -128; qa < 128; qa++) {
        for (let qb = -128; qb < 128; qb++) {
          const v = f(qa, qb);
          table[((qa + 128) << 8) | (qb + 128)] = v < lo ? lo : v > hi ? hi : v;
        }
      }
      const plan = broadcastPlan(cx, a.shape, b.shape);
      return {
        outputs: [{ dtype: 'int8', shape: plan.shape }],
        run([x, y], [out]) {
          runBroadcast(plan, table, x as Int8Array, y as Int8Array, out as Int8Array);
        },
      };
    },
  };
}

/** log2 of a pow2 scale; throws when the scale is not a power of two. */
export function exponentOf(cx: KernelContext, s: Scalar, what: string): number {
  const e = exactLog2(s.scale);
  if (e === undefined) throw new KernelError(cx, `${what} scale ${s.scale} is not a power of two (pow2)`);
  return e;
}

interface BroadcastPlan {
  shape: number[];
  /** Output split as [outer..., inner]; strides of a and b per output axis (0 where broadcast). */
  strideA: number[];
  strideB: number[];
}

function broadcastPlan(cx: KernelContext, sa: number[], sb: number[]): BroadcastPlan {
  const rank = Math.max(sa.length, sb.length, 1);
  const pa = [...Array<number>(rank - sa.length).fill(1), ...sa];
  const pb = [...Array<number>(rank - sb.length).fill(1), ...sb];
  const shape = pa.map((d, i) => {
    const e = pb[i]!;
    if (d !== e && d !== 1 && e !== 1) throw new KernelError(cx, `shapes [${sa}] and [${sb}] do not broadcast`);
    return d === 1 ? e : d;
  });
  const strides = (p: number[]) => {
    const s = new Array<number>(rank).fill(0);
    let acc = 1;
    for (let i = rank - 1; i >= 0; i--) {
      s[i] = p[i] === 1 ? 0 : acc;
      acc *= p[i]!;
    }
    return s;
  };
  return { shape: sa.length === 0 && sb.length === 0 ? [] : shape, strideA: strides(pa), strideB: strides(pb) };
}

function runBroadcast(p: BroadcastPlan, table: Int8Array, a: Int8Array, b: Int8Array, out: Int8Array): void {
  const total = out.length;
  if (a.length === total && b.length === total) {
    for (let i = 0; i < total; i++) out[i] = table[((a[i]! + 128) << 8) | (b[i]! + 128)]!;
    return;
  }
  const rank = p.strideA.length;
  const inner = p.shape.length ? p.shape[rank - 1]! : 1;
  const ia = p.strideA[rank - 1]!;
  const ib = p.strideB[rank - 1]!;
  const index = new Array<number>(rank).fill(0);
  let offA = 0;
  let offB = 0;
  for (let o = 0; o < total; o += inner) {
    for (let j = 0, xa = offA, xb = offB; j < inner; j++, xa += ia, xb += ib)
      out[o + j] = table[((a[xa]! + 128) << 8) | (b[xb]! + 128)]!;
    // Advance the outer index (all axes but the last), odometer style.
    for (let d = rank - 2; d >= 0; d--) {
      index[d]!++;
      offA += p.strideA[d]!;
      offB += p.strideB[d]!;
      if (index[d]! < p.shape[d]!) break;
      offA -= p.strideA[d]! * index[d]!;
      offB -= p.strideB[d]! * index[d]!;
      index[d] = 0;
    }
  }
}
