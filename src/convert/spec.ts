import { topoSort, type Graph, type Node } from '../ir/graph.js';
import { perTensor, type QParams } from '../quant/params.js';
import type { Dim } from '../ir/graph.js';
import { sameParams } from './quant-util.js';
import { int8RuleOf } from '../tflite/ops/index.js';

/**
 * The TFLite int8 quantization spec's fixed and shared parameters ("TFLite 8-bit quantization
 * specification", per-op restrictions; each builtin's `int8.output` in src/tflite/ops/), enforced on the
 * lowered graph. Where the QDQ graph's parameters differ, the value is requantized rather than the QDQ
 * graph's scales changed: DEQUANTIZE then QUANTIZE, each exact to float32, where an int8 -> int8 QUANTIZE
 * would run as XNNPACK's convert, whose 8-bit fractional multiplier is off by a step on about one value
 * in three (mmoe's expert concat).
 */

export function enforceInt8Spec(input: Graph): { graph: Graph; requantized: number } {
  const g = input.clone();
  const r = new Requantizer(g);
  for (const node of [...g.nodes]) {
    if (!r.isInt8(node.outputs[0]!)) continue;
    const rule = int8RuleOf(node);
    const output = rule?.output;
    if (typeof output === 'object') r.outputAt(node, perTensor(output.scale, output.zeroPoint));
    else if (output === 'same-as-input') {
      // The data input is the first activation slot (SPLIT takes the axis first).
      const p = r.params(node.inputs[rule!.activations(node)[0]!]!);
      if (p) for (const o of node.outputs) r.outputAt(node, p, o);
    } else if (output === 'same-all') {
      const p = r.params(node.outputs[0]!)!;
      node.inputs.forEach((_, i) => r.inputAt(node, i, p));
    }
  }
  return { graph: r.finish(), requantized: r.count };
}

class Requantizer {
  count = 0;
  private readonly added: Node[] = [];
  private readonly names: Set<string>;

  constructor(private readonly g: Graph) {
    this.names = new Set([...g.initializers.keys(), ...g.valueInfo.keys(), ...g.inputs.map((v) => v.name)]);
    for (const n of g.nodes) for (const o of n.outputs) this.names.add(o);
  }

  private info(name: string) {
    return (
      this.g.valueInfo.get(name) ??
      this.g.inputs.find((v) => v.name === name) ??
      this.g.outputs.find((v) => v.name === name)
    );
  }

  params(name: string): QParams | undefined {
    return this.g.quantOf(name);
  }

  isInt8(name: string): boolean {
    const t = this.info(name)?.type;
    return t?.kind === 'tensor' && t.dtype === 'int8';
  }

  private fresh(base: string): string {
    let name = base;
    for (let i = 1; this.names.has(name); i++) name = `${base}_${i}`;
    this.names.add(name);
    return name;
  }

  private declare(name: string, shape: Dim[], p: QParams): void {
    this.g.valueInfo.set(name, {
      name,
      type: { kind: 'tensor', dtype: 'int8', shape },
      quant: p,
    });
  }

  /** The op writes a new tensor at `p`; a QUANTIZE takes it to the output's own parameters. */
  outputAt(node: Node, p: QParams, out = node.outputs[0]!): void {
    const own = this.params(out);
    if (!own || sameParams(own, p)) return;
    const t = this.info(out)!.type!;
    const tmp = this.fresh(`${out}_spec`);
    this.declare(tmp, t.kind === 'tensor' ? t.shape! : [], p);
    node.outputs = node.outputs.map((o) => (o === out ? tmp : o));
    this.requantize(tmp, out, t.kind === 'tensor' ? t.shape! : []);
  }

  /** Input i is brought to `p` by a QUANTIZE (a constant is left to the mapping, which made it at `p`). */
  inputAt(node: Node, i: number, p: QParams): void {
    const v = node.inputs[i]!;
    const own = this.params(v);
    if (!own || sameParams(own, p) || this.g.initializers.has(v)) return;
    const t = this.info(v)!.type!;
    const tmp = this.fresh(`${v}_requantized`);
    this.declare(tmp, t.kind === 'tensor' ? t.shape! : [], p);
    node.inputs[i] = tmp;
    this.requantize(v, tmp, t.kind === 'tensor' ? t.shape! : []);
  }

  private requantize(from: string, to: string, shape: Dim[]): void {
    const real = this.fresh(`${from}_real`);
    this.g.valueInfo.set(real, { name: real, type: { kind: 'tensor', dtype: 'float32', shape } });
    this.added.push(op('DEQUANTIZE', from, real), op('QUANTIZE', real, to));
    this.count++;
  }

  finish(): Graph {
    this.g.nodes = [...this.g.nodes, ...this.added];
    this.g.nodes = topoSort(this.g);
    return this.g;
  }
}

const op = (opType: string, from: string, to: string): Node => ({
  name: to,
  opType,
  domain: 'tflite',
  inputs: [from],
  outputs: [to],
  attrs: {},
});
