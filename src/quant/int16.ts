import {
  indexGraph,
  opsetVersion,
  topoSort,
  type Graph,
  type GraphIndex,
  type Model,
  type Node,
} from '../ir/graph.js';
import { Tensor } from '../ir/tensor.js';
import { getOp } from '../ops/index.js';
import type { QParams } from './params.js';
import { quantRuleOf } from './rules.js';

/**
 * int16 activations for chosen ops (`--int16`, and mixed precision's first try): TFLite's 16x8 scheme
 * (int16 activations with zero point 0, int8 weights, int64 bias) and ONNX Runtime's 16-bit QDQ. The QDQ
 * graph says it all: an op reads and writes through QuantizeLinear/DequantizeLinear pairs with int16
 * zero points; where an int8 op and an int16 op meet, the value is requantized (DQ -> Q of the other
 * width), which the TFLite converter turns into DEQUANTIZE/QUANTIZE between the regions.
 */

export const INT16_MAX = 32767;

/** The float list's reason for an op --int16 names that has no 16x8 kernel (the converter keeps it float). */
export const NO_INT16_KERNEL = 'named by --int16, but TFLite has no 16x8 kernel for it: kept in float';

/** Whether TFLite has 16x8 kernels for what this ONNX node lowers to (the op descriptor's `int16`). */
export const hasInt16 = (node: Node): boolean => node.domain === '' && getOp(node.opType)?.int16 === true;

/**
 * Symmetric int16 parameters covering the real interval an int8 grid holds: the int8 grid is the
 * calibration's answer (range, saturation cut, tie-free nudges), so int16 covers the same values with 256
 * times finer steps. Zero point 0, as TFLite's 16x8 kernels and ADD/MUL's int16 paths require.
 */
export function int16Params(p: QParams): QParams {
  const s = p.scale[0]!;
  const z = p.zeroPoint[0]!;
  const maxAbs = Math.max(Math.abs((-128 - z) * s), Math.abs((127 - z) * s));
  return {
    scale: Float64Array.of(maxAbs > 0 ? maxAbs / INT16_MAX : s),
    zeroPoint: Int32Array.of(0),
    bits: 16,
  };
}

const isQ = (n: Node) => n.domain === '' && n.opType === 'QuantizeLinear';
const isDq = (n: Node) => n.domain === '' && n.opType === 'DequantizeLinear';

/**
 * The nodes of the QDQ graph `g` to run int16: those named (node name or op type) in `wanted` among the
 * quantized ones that have 16x8 kernels, with the ops each shares an unquantized value with (a Conv and
 * the ReLU fused after it read and write one tensor between them: both widen or neither).
 */
export function int16Nodes(g: Graph, wanted: readonly string[], quantized: Set<string>): Set<string> {
  const wide = new Set<string>();
  for (const n of g.nodes) {
    if (
      n.name &&
      quantized.has(n.name) &&
      hasInt16(n) &&
      (wanted.includes(n.name) || wanted.includes(n.opType))
    )
      wide.add(n.name);
  }
  const index = indexGraph(g);
  const direct = (n: Node) => [
    ...n.inputs.map((v) => index.producer.get(v)),
    ...n.outputs.flatMap((o) => index.consumers.get(o) ?? []),
  ];
  for (let changed = true; changed;) {
    changed = false;
    for (const n of g.nodes) {
      if (!wide.has(n.name)) continue;
      for (const m of direct(n)) {
        if (!m || isQ(m) || isDq(m) || wide.has(m.name) || !quantized.has(m.name)) continue;
        wide.add(m.name);
        changed = true;
      }
    }
  }
  return wide;
}

interface Widened {
  narrow: number;
  wide: number;
}

/**
 * Rewrites the affine QDQ graph `g` (from insertQdq) so that the nodes named in `wide` read and write
 * int16. A value keeps one QuantizeLinear of the width of the op that writes it (a graph input or a
 * float op's output: int16 when an int16 op reads it), and readers of the other width get a requantizing
 * DQ -> Q pair of their own; a graph output is dequantized from the width it was written in. Biases of
 * int16 ops move to s_in(int16) * s_w, still int32 in ONNX (DequantizeLinear takes no int64; the TFLite
 * converter writes them int64).
 */
export function widenToInt16(
  g: Graph,
  wide: Set<string>,
  quantized: Set<string>,
  /** The float graph the QDQ one was made from: constant operands are quantized again from it. */
  float: Graph,
): Graph {
  if (wide.size === 0) return g;
  const out = g.clone();
  const r = new Rewrite(out, wide, quantized);
  for (const q of out.nodes.filter((n) => isQ(n) && !out.initializers.has(n.inputs[0]!))) r.widenValue(q);
  out.nodes = [...out.nodes, ...r.added];
  rescaleBiases(out, wide, r.scales, r.constant);
  widenOperands(out, float, wide, r.constant);
  out.nodes = topoSort(out);
  return out;
}

/** The rewrite's state: fresh names, the Q/DQ nodes it adds, and the scales each int16 reader got. */
class Rewrite {
  readonly added: Node[] = [];
  /** The int8 and int16 scales of the value each int16 op's DQ feeds it, by DQ output. */
  readonly scales = new Map<string, Widened>();
  private readonly names: Set<string>;
  private readonly index: GraphIndex;

  constructor(
    private readonly g: Graph,
    private readonly wide: Set<string>,
    private readonly quantized: Set<string>,
  ) {
    this.index = indexGraph(g);
    this.names = new Set<string>([...g.initializers.keys(), ...g.inputs.map((v) => v.name)]);
    for (const n of g.nodes) for (const o of n.outputs) this.names.add(o);
  }

  unique(base: string): string {
    let name = base;
    for (let i = 1; this.names.has(name); i++) name = `${base}_${i}`;
    this.names.add(name);
    return name;
  }

  readonly constant = (base: string, t: Tensor): string => {
    const name = this.unique(base);
    this.g.initializers.set(name, t);
    return name;
  };

  private isWide(n: Node | undefined): boolean {
    return !!n && this.wide.has(n.name) && !isQ(n) && !isDq(n);
  }

  /** `dq` now writes a new value; `to` is computed from it by a Q -> DQ pair at (scale, zero point). */
  private requantize(dq: Node, s: string, z: string, tag: string): string {
    const to = dq.outputs[0]!;
    dq.outputs = [this.unique(`${to}_${tag === 'q8' ? 'wide' : 'narrow'}`)];
    const q = this.unique(`${to}_${tag}`);
    this.added.push(qdq('QuantizeLinear', [dq.outputs[0]!, s, z], q), qdq('DequantizeLinear', [q, s, z], to));
    return to;
  }

  /** One activation's Q and its DQs, per reader: see widenToInt16. */
  widenValue(q: Node): void {
    const { g, index } = this;
    const zp = g.initializers.get(q.inputs[2] ?? '');
    const scale = g.initializers.get(q.inputs[1]!);
    if (zp?.dtype !== 'int8' || !scale || scale.size !== 1) return;
    const producer = index.producer.get(q.inputs[0]!);
    const dqs = (index.consumers.get(q.outputs[0]!) ?? []).filter(isDq);
    const readers = (dq: Node) => index.consumers.get(dq.outputs[0]!) ?? [];
    // Quantized int8 readers take a requantized copy; a float op reads whatever width there is.
    const narrowReader = (dq: Node) => readers(dq).some((r) => this.quantized.has(r.name) && !this.isWide(r));
    const wideDqs = dqs.filter((dq) => readers(dq).some((r) => this.isWide(r)));
    const writtenWide =
      this.isWide(producer) || ((!producer || !this.quantized.has(producer.name)) && wideDqs.length > 0);
    if (!writtenWide && wideDqs.length === 0) return;
    const p8: QParams = {
      scale: Float64Array.of(scale.toFloat32()[0]!),
      zeroPoint: Int32Array.of(zp.toNumbers()[0]!),
    };
    const p16 = int16Params(p8);
    const s16 = this.constant('scale16', Tensor.float32([], Float32Array.of(p16.scale[0]!)));
    const z16 = this.constant('zero16', new Tensor('int16', [], new Int16Array(1)));
    const [s8, z8] = [q.inputs[1]!, q.inputs[2]!];
    const widened = { narrow: p8.scale[0]!, wide: Math.fround(p16.scale[0]!) };
    if (!writtenWide) {
      for (const dq of wideDqs) this.scales.set(this.requantize(dq, s16, z16, 'q16'), widened);
      return;
    }
    q.inputs = [q.inputs[0]!, s16, z16];
    for (const dq of dqs) {
      dq.inputs = [q.outputs[0]!, s16, z16];
      if (wideDqs.includes(dq)) this.scales.set(dq.outputs[0]!, widened);
      // An int8 reader: requantized from int16. A graph output's own DQ reads the int16 value as it is.
      else if (narrowReader(dq)) this.requantize(dq, s8, z8, 'q8');
    }
  }
}

function qdq(opType: string, inputs: string[], output: string): Node {
  return { name: '', opType, domain: '', inputs, outputs: [output], attrs: {} };
}

/**
 * The int32 bias of an int16 Conv/Gemm at s_in * s_w with its new, finer input scale (the same real
 * values, 256 times finer steps). Its data input is input 0 (Conv, Gemm).
 */
function rescaleBiases(
  g: Graph,
  wide: Set<string>,
  scales: Map<string, Widened>,
  constant: (base: string, t: Tensor) => string,
): void {
  const index = indexGraph(g);
  for (const node of g.nodes) {
    if (!wide.has(node.name) || node.domain !== '' || (node.opType !== 'Conv' && node.opType !== 'Gemm'))
      continue;
    const ratio = scales.get(node.inputs[0]!);
    const dq = node.inputs[2] ? index.producer.get(node.inputs[2]) : undefined;
    const q = dq && isDq(dq) ? g.initializers.get(dq.inputs[0]!) : undefined;
    const s = dq && g.initializers.get(dq.inputs[1]!);
    if (!ratio || !q || q.dtype !== 'int32' || !s) continue;
    const old = s.toFloat32();
    const next = Float32Array.from(old, (v) => (v * ratio.wide) / ratio.narrow);
    const values = q.toNumbers();
    const requantized = Int32Array.from(values, (v, c) => {
      const r = Math.round((v * old[old.length === 1 ? 0 : c]!) / next[next.length === 1 ? 0 : c]!);
      return Math.max(-(2 ** 31), Math.min(2 ** 31 - 1, r));
    });
    const base = node.inputs[2]!;
    dq.inputs = [
      constant(`${base}_q16`, new Tensor('int32', q.dims, requantized)),
      constant(`${base}_s16`, Tensor.float32(s.dims, next)),
    ];
  }
}

/**
 * Constant operands of int16 ops other than the weights of accumulating ops (a per-tensor int8 "weight"
 * of an Add or Mul: PP-OCRv4 det's learnable affine Mul(scale, x) + bias) become int16, symmetric: the
 * int16 ADD and MUL kernels take both inputs int16.
 */
function widenOperands(
  g: Graph,
  float: Graph,
  wide: Set<string>,
  constant: (base: string, t: Tensor) => string,
): void {
  const index = indexGraph(g);
  const original = new Map(float.nodes.filter((n) => n.name).map((n) => [n.name, n]));
  for (const node of g.nodes) {
    if (!wide.has(node.name) || quantRuleOf(node)?.accumulates) continue;
    node.inputs.forEach((v, i) => {
      const dq = v ? index.producer.get(v) : undefined;
      const t = dq && isDq(dq) ? g.initializers.get(dq.inputs[0]!) : undefined;
      // From the float constant: its int8 copy has already lost what int16 would keep.
      const f = float.initializers.get(original.get(node.name)?.inputs[i] ?? '');
      if (!dq || !t || t.dtype !== 'int8' || f?.dtype !== 'float32') return;
      const real = f.toFloat32();
      const maxAbs = real.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
      const s16 = maxAbs > 0 ? maxAbs / INT16_MAX : 1;
      const q16 = Int16Array.from(real, (x) => Math.round(x / s16));
      dq.inputs = [
        constant(`${dq.inputs[0]}_16`, new Tensor('int16', f.dims, q16)),
        constant('scale16', Tensor.float32([], Float32Array.of(s16))),
        constant('zero16', new Tensor('int16', [], new Int16Array(1))),
      ];
      delete dq.attrs.axis;
    });
  }
}

/**
 * ONNX Runtime reads int16 QuantizeLinear/DequantizeLinear in the standard domain from opset 21 on; below
 * that in its com.microsoft domain (same semantics). The in-memory graph keeps the standard domain (every
 * pass reads it so); the written model moves its int16 Q/DQ nodes there when the opset is below 21, rather
 * than raising the whole model's opset (ops such as ReduceMean changed signature at 18).
 */
export function int16QdqForOpset(model: Model): Model {
  if ((opsetVersion(model) ?? 21) >= 21) return model;
  const g = model.graph;
  const int16 = (n: Node) => (isQ(n) || isDq(n)) && g.initializers.get(n.inputs[2] ?? '')?.dtype === 'int16';
  if (!g.nodes.some(int16)) return model;
  const graph = g.clone();
  graph.nodes = graph.nodes.map((n) => (int16(n) ? { ...n, domain: 'com.microsoft' } : n));
  const hasMs = model.opsetImports.some((o) => o.domain === 'com.microsoft');
  return {
    ...model,
    graph,
    opsetImports: hasMs
      ? model.opsetImports
      : [...model.opsetImports, { domain: 'com.microsoft', version: 1 }],
  };
}
