import { attrInt } from '../ir/attrs.js';
import { indexGraph, type Graph, type Node } from '../ir/graph.js';
import { Tensor } from '../ir/tensor.js';
import type { QParams } from '../quant/params.js';
import { quantizeValues, realValues, sameParams, withParams } from './quant-util.js';
import { count, type ConvertOptions, type ConvState, type LogicalType } from './types.js';

/**
 * Reads the quantization from the QDQ graph itself, so that one quantization gives the .onnx and the
 * .tflite the same parameters:
 * - DequantizeLinear of a constant (weights, biases) becomes that constant, int8/int32, annotated with
 *   its parameters: weights stay int8 in the TFLite file, never behind a DEQUANTIZE.
 * - x -> QuantizeLinear -> DequantizeLinear -> readers becomes x read directly, with x's parameters
 *   recorded: x is stored int8 and the ops around it run int8 where they can.
 * - At the edges, float I/O keeps a QUANTIZE after a float input and a DEQUANTIZE before a float output;
 *   int8 I/O makes those inputs and outputs int8.
 * uint8 parameters become int8 ones (zero point - 128): the same real values.
 */
export function foldQdq(
  graph: Graph,
  types: Map<string, LogicalType>,
  opts: Pick<ConvertOptions, 'ioType'>,
): ConvState {
  const g = graph.clone();
  const state: ConvState = { graph: g, types: new Map(types), quant: new Map(), perm: new Map(), stats: {} };
  const ctx = new Folder(state, opts.ioType);
  for (const node of g.nodes) {
    if (isOp(node, 'DequantizeLinear') && g.initializers.has(node.inputs[0]!)) ctx.foldConstantDq(node);
  }
  for (const node of g.nodes) if (isOp(node, 'QuantizeLinear')) ctx.foldQuantize(node);
  for (const node of g.nodes) if (isOp(node, 'DequantizeLinear') && !ctx.removed.has(node)) ctx.keepDq(node);
  ctx.finish();
  return state;
}

const isOp = (n: Node, op: string) => n.opType === op && n.domain === '';

class Folder {
  readonly removed = new Set<Node>();
  private readonly added: Node[] = [];
  /** Readers of key read value instead. */
  private readonly subst = new Map<string, string>();
  private readonly renameOutput = new Map<string, string>();
  private readonly index;
  private readonly outputs: Set<string>;
  private readonly inputs: Set<string>;

  constructor(
    private readonly s: ConvState,
    private readonly ioType: 'float' | 'int8',
  ) {
    this.index = indexGraph(s.graph);
    this.outputs = new Set(s.graph.outputs.map((v) => v.name));
    this.inputs = new Set(s.graph.runtimeInputs().map((v) => v.name));
  }

  /** Parameters of a QuantizeLinear/DequantizeLinear, in int8 terms. */
  params(node: Node): QParams {
    const g = this.s.graph;
    const scale = Float64Array.from(g.initializers.get(node.inputs[1]!)!.toFloat32());
    const zpTensor = node.inputs[2] ? g.initializers.get(node.inputs[2]) : undefined;
    const shift = zpTensor?.dtype === 'uint8' || (!zpTensor && node.opType === 'QuantizeLinear') ? -128 : 0;
    const zp = zpTensor?.toNumbers() ?? new Array<number>(scale.length).fill(0);
    const p: QParams = {
      scale,
      zeroPoint: Int32Array.from(zp, (z) => z + (zpTensor?.dtype === 'int32' ? 0 : shift)),
      // int16 activations (src/quant/int16.ts): stored int16 in the .tflite too (16x8 kernels).
      ...(zpTensor?.dtype === 'int16' ? { bits: 16 as const } : {}),
    };
    if (scale.length > 1) {
      const rank =
        g.initializers.get(node.inputs[0]!)?.dims.length ??
        this.s.types.get(node.inputs[0]!)?.shape.length ??
        0;
      const axis = attrInt(node, 'axis', 1);
      p.axis = axis < 0 ? axis + rank : axis;
    }
    return p;
  }

  foldConstantDq(node: Node): void {
    const out = node.outputs[0]!;
    if (this.outputs.has(out)) return;
    const t = this.s.graph.initializers.get(node.inputs[0]!)!;
    const p = this.params(node);
    let data = t;
    if (t.dtype === 'uint8')
      data = new Tensor(
        'int8',
        t.dims,
        Int8Array.from(t.data as Uint8Array, (v) => v - 128),
      );
    else if (t.dtype !== 'int8' && t.dtype !== 'int16' && t.dtype !== 'int32') return;
    this.s.graph.initializers.set(out, withParams(data, p));
    this.removed.add(node);
    count(this.s, 'weights-read-from-qdq');
  }

  foldQuantize(q: Node): void {
    const [x, qOut] = [q.inputs[0]!, q.outputs[0]!];
    const p = this.params(q);
    const readers = this.index.consumers.get(qOut) ?? [];
    const dqs = readers.filter((n) => isOp(n, 'DequantizeLinear') && sameParams(this.params(n), p));
    if (dqs.length !== readers.length || this.outputs.has(qOut)) return this.keepQuantize(q, p);
    this.removed.add(q);
    for (const dq of dqs) this.removed.add(dq);
    const constant = this.s.graph.initializers.get(x);
    if (constant) return this.quantizeConstant(constant, p, dqs);
    const floatInput = this.inputs.has(x) && this.ioType === 'float';
    const stored = floatInput
      ? this.quantizeNode(q, x, qOut, p)
      : this.requantizes(x)
        ? this.requantizeNode(x, qOut, p)
        : x;
    this.s.quant.set(stored, p);
    let target = stored;
    for (const dq of dqs) {
      const d = dq.outputs[0]!;
      if (!this.outputs.has(d)) continue;
      if (this.ioType === 'int8' && target === x && !this.inputs.has(x)) {
        this.renameOutput.set(x, d);
        this.s.quant.set(d, p);
        this.s.types.set(d, this.s.types.get(x)!);
        target = d;
      } else this.dequantizeNode(dq, target, d);
    }
    // Ops read the int8 value, also where the DequantizeLinear's output is a graph output too.
    for (const dq of dqs) if (dq.outputs[0] !== target) this.subst.set(dq.outputs[0]!, target);
    if (this.renameOutput.has(x)) this.subst.set(x, target);
    count(this.s, 'activations-read-from-qdq');
  }

  /**
   * A QuantizeLinear of a DequantizeLinear's output: a value requantized to the other width where int8
   * and int16 ops meet (src/quant/int16.ts). The int8 -> int16 direction has no QUANTIZE kernel in
   * LiteRT, and its int16 -> int8 one rounds in fixed point: both go through float (DEQUANTIZE then
   * QUANTIZE), as the QDQ graph computes them.
   */
  private requantizes(x: string): boolean {
    const p = this.index.producer.get(x);
    return !!p && isOp(p, 'DequantizeLinear') && !this.s.graph.initializers.has(p.inputs[0]!);
  }

  private requantizeNode(x: string, out: string, p: QParams): string {
    const real = `${out}_real`;
    this.added.push(
      { name: real, opType: 'DEQUANTIZE', domain: 'tflite', inputs: [x], outputs: [real], attrs: {} },
      { name: out, opType: 'QUANTIZE', domain: 'tflite', inputs: [real], outputs: [out], attrs: {} },
    );
    this.s.types.set(real, { ...this.s.types.get(x)!, dtype: 'float32' });
    this.s.types.set(out, { ...this.s.types.get(x)!, dtype: 'float32' });
    this.s.quant.set(out, p);
    return out;
  }

  private quantizeConstant(t: Tensor, p: QParams, dqs: Node[]): void {
    const q = quantizeValues(realValues(t), t.dims, p, 'int8');
    for (const dq of dqs) this.s.graph.initializers.set(dq.outputs[0]!, q);
  }

  private quantizeNode(q: Node, x: string, out: string, p: QParams): string {
    this.added.push({
      name: q.name || `${out}_quantize`,
      opType: 'QUANTIZE',
      domain: 'tflite',
      inputs: [x],
      outputs: [out],
      attrs: {},
    });
    this.s.types.set(out, { ...this.s.types.get(x)!, dtype: 'float32' });
    this.s.quant.set(out, p);
    return out;
  }

  private dequantizeNode(dq: Node, from: string, to: string): void {
    this.added.push({
      name: dq.name || `${to}_dequantize`,
      opType: 'DEQUANTIZE',
      domain: 'tflite',
      inputs: [from],
      outputs: [to],
      attrs: {},
    });
    this.s.types.set(to, { ...this.s.types.get(from)!, dtype: 'float32' });
  }

  /** A QuantizeLinear whose output something other than a matching DequantizeLinear reads: a QUANTIZE. */
  private keepQuantize(q: Node, p: QParams): void {
    this.removed.add(q);
    this.quantizeNode(q, q.inputs[0]!, q.outputs[0]!, p);
  }

  /** A DequantizeLinear of a value not quantized here (a QOperator output, say): a DEQUANTIZE. */
  keepDq(dq: Node): void {
    this.removed.add(dq);
    const x = dq.inputs[0]!;
    if (!this.s.quant.has(x)) this.s.quant.set(x, this.params(dq));
    this.dequantizeNode(dq, x, dq.outputs[0]!);
  }

  finish(): void {
    const g = this.s.graph;
    const resolve = (v: string): string => {
      let name = v;
      for (let i = 0; this.subst.has(name) && i < 100; i++) name = this.subst.get(name)!;
      return name;
    };
    g.nodes = [...g.nodes.filter((n) => !this.removed.has(n)), ...this.added].map((n) => ({
      ...n,
      inputs: n.inputs.map((i) => (i ? resolve(i) : i)),
      outputs: n.outputs.map((o) => this.renameOutput.get(o) ?? o),
    }));
    const used = new Set(g.nodes.flatMap((n) => n.inputs));
    for (const name of [...g.initializers.keys()]) if (!used.has(name)) g.initializers.delete(name);
    for (const name of this.renameOutput.keys()) this.s.quant.delete(name);
  }
}
