import type { Data, IntegerKernel, KernelContext, PreparedKernel } from '../../types.js';
import {
  ACT,
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

export interface BinarySpec {
  opType: string;
  /** The scheme's int8 arithmetic for a pair of stored values. */
  int8?: (cx: KernelContext, p: BinaryParams) => PairFunction;
  /**
   * The float32 op, for the float islands a converted graph keeps between DEQUANTIZE and QUANTIZE where
   * an op has no int8 kernel (IEEE float32: each result is the exact value rounded to float32).
   */
  float32?: (a: number, b: number) => number;
}

/**
 * An elementwise op with NumPy broadcasting. On int8, per-tensor parameters make the result a function
 * of the pair (qa, qb) alone, so `prepare` evaluates the scheme's arithmetic once for all 65,536 pairs and
 * `run` is a table lookup: the same numbers as evaluating it per element, at a fraction of the cost.
 */
export function binaryKernel(spec: BinarySpec): IntegerKernel {
  return {
    opType: spec.opType,
    prepare(cx) {
      const a = requireDtype(cx, 0, ...(spec.int8 ? ['int8'] : []), ...(spec.float32 ? ['float32'] : []));
      const b = requireDtype(cx, 1, a.dtype);
      const plan = broadcastPlan(cx, a.shape, b.shape);
      return a.dtype === 'float32'
        ? floatKernel(cx, spec.float32!, plan)
        : int8Kernel(cx, spec.opType, spec.int8!, plan);
    },
  };
}

function int8Kernel(
  cx: KernelContext,
  opType: string,
  pairOf: NonNullable<BinarySpec['int8']>,
  plan: BroadcastPlan,
): PreparedKernel {
  const p: BinaryParams = { a: inputParams(cx, 0), b: inputParams(cx, 1), out: outputParams(cx, 0) };
  const [lo, hi] = activationRange(cx, fusedActivation(cx), p.out);
  const row = constantRow(cx, opType, p, lo, hi, pairOf, plan);
  if (row) return row;
  const { table, byB } = pairTables(cx, opType, p, lo, hi, pairOf);
  const size = (shape: readonly number[]) => shape.reduce((m, d) => m * d, 1);
  const same = [0, 1].every((i) => size(cx.inputs[i]!.shape) === size(plan.shape));
  return {
    outputs: [{ dtype: 'int8', shape: plan.shape }],
    lookup: same ? { pair: table } : undefined,
    run([x, y], [out]) {
      const a = x as Int8Array;
      const b = y as Int8Array;
      const o = out as Int8Array;
      if (a.length === o.length && b.length === o.length) {
        for (let i = 0; i < o.length; i++) o[i] = table[((a[i]! + 128) << 8) | (b[i]! + 128)]!;
      } else if (b.length === 1) {
        // A constant operand (hard-swish's scale and offset): one row of the table.
        const row = byB.subarray((b[0]! + 128) << 8);
        for (let i = 0; i < o.length; i++) o[i] = row[a[i]! + 128]!;
      } else {
        lookupPairs(plan, table, byB, a, b, o);
      }
    },
  };
}

/**
 * An op whose operand is a one-element constant (PP-OCRv4 det's 86 hard-swish MUL/ADD by a scalar) reads
 * one row of its pair table: only that row's 256 pairs are evaluated, not the table's 65,536 (the tables
 * were a third of the det executor's setup). The same pair function, so the same numbers.
 */
function constantRow(
  cx: KernelContext,
  opType: string,
  p: BinaryParams,
  lo: number,
  hi: number,
  pairOf: NonNullable<BinarySpec['int8']>,
  plan: BroadcastPlan,
): PreparedKernel | undefined {
  const [ca, cb] = [cx.inputs[0]?.data, cx.inputs[1]?.data];
  const which = cb?.length === 1 ? 1 : ca?.length === 1 ? 0 : -1;
  if (which < 0) return undefined;
  const c = Number((which === 1 ? cb : ca)![0]);
  let byArith = ROWS.get(cx.arith);
  if (!byArith) ROWS.set(cx.arith, (byArith = new Map()));
  const key = JSON.stringify([opType, p.a, p.b, p.out, lo, hi, which, c]);
  let row = byArith.get(key);
  if (!row) {
    const f = pairOf(cx, p);
    row = new Int8Array(256);
    for (let q = -128; q < 128; q++) {
      const v = which === 1 ? f(q, c) : f(c, q);
      row[q + 128] = v < lo ? lo : v > hi ? hi : v;
    }
    byArith.set(key, row);
  }
  const lut = row;
  return {
    outputs: [{ dtype: 'int8', shape: plan.shape }],
    lookup: { unary: lut, input: 1 - which },
    run(inputs, [out]) {
      // The other operand has the output's elements in order: the constant's one element broadcasts.
      const x = inputs[1 - which] as Int8Array;
      const o = out as Int8Array;
      for (let i = 0; i < o.length; i++) o[i] = lut[x[i]! + 128]!;
    },
  };
}

/** Rows of pair tables for a constant operand (constantRow), keyed as TABLES, then which one and its value. */
const ROWS = new WeakMap<object, Map<string, Int8Array>>();

/** An op's tables (see pairTables), by arithmetic (one executor's), then op and parameters. */
const TABLES = new WeakMap<object, Map<string, { table: Int8Array; byB: Int8Array }>>();

/**
 * The op's result for all 65,536 pairs (qa, qb), clamped to [lo, hi]: `table` indexed (qa, qb), `byB`
 * (qb, qa). A pair function depends only on the arithmetic and the parameters (BinarySpec.int8), so ops
 * of one executor with the same ones share their tables (PP-OCRv4 det's hard-swishes, decomposed into
 * MUL/ADD/MINIMUM on power-of-two scales, repeat a few parameter sets many times).
 */
function pairTables(
  cx: KernelContext,
  opType: string,
  p: BinaryParams,
  lo: number,
  hi: number,
  pairOf: NonNullable<BinarySpec['int8']>,
): { table: Int8Array; byB: Int8Array } {
  let byArith = TABLES.get(cx.arith);
  if (!byArith) TABLES.set(cx.arith, (byArith = new Map()));
  const key = JSON.stringify([opType, p.a, p.b, p.out, lo, hi]);
  const known = byArith.get(key);
  if (known) return known;
  const f = pairOf(cx, p);
  const table = new Int8Array(65536);
  for (let qa = -128; qa < 128; qa++) {
    for (let qb = -128; qb < 128; qb++) {
      const v = f(qa, qb);
      table[((qa + 128) << 8) | (qb + 128)] = v < lo ? lo : v > hi ? hi : v;
    }
  }
  const byB = new Int8Array(65536);
  for (let i = 0; i < 65536; i++) byB[((i & 255) << 8) | (i >> 8)] = table[i]!;
  const tables = { table, byB };
  byArith.set(key, tables);
  return tables;
}

/**
 * forEachPair for the int8 table, its inner loop written out: a call per element cost more than the lookup
 * (PP-OCRv4 det at 640x640, per-channel and per-pixel products: forEachPair and its callback were a sixth of a device run).
 */
function lookupPairs(
  p: BroadcastPlan,
  table: Int8Array,
  byB: Int8Array,
  a: Int8Array,
  b: Int8Array,
  o: Int8Array,
): void {
  const rank = p.strideA.length;
  const inner = p.shape.length ? p.shape[rank - 1]! : 1;
  const sa = p.strideA[rank - 1]!;
  const sb = p.strideB[rank - 1]!;
  const index = new Array<number>(rank).fill(0);
  const off = [0, 0];
  for (let i = 0; i < o.length; i += inner) {
    const offA = off[0]!;
    const offB = off[1]!;
    if (sb === 0) {
      const row = byB.subarray((b[offB]! + 128) << 8);
      for (let j = 0, xa = offA; j < inner; j++, xa += sa) o[i + j] = row[a[xa]! + 128]!;
    } else {
      for (let j = 0, xa = offA, xb = offB; j < inner; j++, xa += sa, xb += sb)
        o[i + j] = table[((a[xa]! + 128) << 8) | (b[xb]! + 128)]!;
    }
    nextRow(p, index, off);
  }
}

const FLOAT_RANGE: Record<number, [number, number]> = {
  [ACT.NONE]: [-Infinity, Infinity],
  [ACT.RELU]: [0, Infinity],
  [ACT.RELU_N1_TO_1]: [-1, 1],
  [ACT.RELU6]: [0, 6],
};

function floatKernel(
  cx: KernelContext,
  op: (a: number, b: number) => number,
  plan: BroadcastPlan,
): PreparedKernel {
  const range = FLOAT_RANGE[fusedActivation(cx)];
  if (!range) throw new KernelError(cx, `fused activation ${fusedActivation(cx)} is not supported`);
  const [lo, hi] = range;
  return {
    outputs: [{ dtype: 'float32', shape: plan.shape }],
    run([x, y], [out]: readonly Data[]) {
      const a = x as Float32Array;
      const b = y as Float32Array;
      const o = out as Float32Array;
      forEachPair(plan, o.length, (i, ia, ib) => {
        const v = Math.fround(op(a[ia]!, b[ib]!));
        o[i] = v < lo ? lo : v > hi ? hi : v;
      });
    },
  };
}

interface BroadcastPlan {
  shape: number[];
  /** Strides of a and b per output axis (0 where broadcast). */
  strideA: number[];
  strideB: number[];
}

function broadcastPlan(cx: KernelContext, sa: number[], sb: number[]): BroadcastPlan {
  const rank = Math.max(sa.length, sb.length, 1);
  const pa = [...Array<number>(rank - sa.length).fill(1), ...sa];
  const pb = [...Array<number>(rank - sb.length).fill(1), ...sb];
  const shape = pa.map((d, i) => {
    const e = pb[i]!;
    if (d !== e && d !== 1 && e !== 1)
      throw new KernelError(cx, `shapes [${sa}] and [${sb}] do not broadcast`);
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
  return {
    shape: sa.length === 0 && sb.length === 0 ? [] : shape,
    strideA: strides(pa),
    strideB: strides(pb),
  };
}

/** Calls `f(out, a, b)` with the flat indices of every output element and the inputs it reads. */
function forEachPair(p: BroadcastPlan, total: number, f: (i: number, ia: number, ib: number) => void): void {
  const rank = p.strideA.length;
  const inner = p.shape.length ? p.shape[rank - 1]! : 1;
  const ia = p.strideA[rank - 1]!;
  const ib = p.strideB[rank - 1]!;
  const index = new Array<number>(rank).fill(0);
  const off = [0, 0];
  for (let o = 0; o < total; o += inner) {
    for (let j = 0, xa = off[0]!, xb = off[1]!; j < inner; j++, xa += ia, xb += ib) f(o + j, xa, xb);
    nextRow(p, index, off);
  }
}

/** Advances the outer index (all axes but the last) odometer style, and the offsets of a and b with it. */
function nextRow(p: BroadcastPlan, index: number[], off: number[]): void {
  for (let d = p.strideA.length - 2; d >= 0; d--) {
    index[d]!++;
    off[0]! += p.strideA[d]!;
    off[1]! += p.strideB[d]!;
    if (index[d]! < p.shape[d]!) return;
    off[0]! -= p.strideA[d]! * index[d]!;
    off[1]! -= p.strideB[d]! * index[d]!;
    index[d] = 0;
  }
}
