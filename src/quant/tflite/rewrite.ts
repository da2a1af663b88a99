import {
  indexGraph,
  topoSort,
  type Graph,
  type GraphIndex,
  type Node,
  type ValueInfo,
} from '../../ir/graph.js';
import type { Tensor } from '../../ir/tensor.js';
import type { QuantPlan } from '../assign.js';
import type { QParams } from '../params.js';
import type { QuantizedWeight, WeightSettings } from '../qdq.js';
import { quantRuleOf, type QuantRule } from '../rules.js';
import type { ActivationParams } from './assign.js';
import { int8Weight, quantizeBiasTensor, quantizeConstant, float32Params } from './weights.js';

/**
 * The float graph with its quantized nodes reading and writing int8: the same nodes in the same order,
 * a QUANTIZE where a float value meets an int8 reader, a DEQUANTIZE where an int8 value meets a float
 * reader or is a graph output (inputs and outputs keep their names and stay float), and a requantizing
 * QUANTIZE where the spec ties parameters that could not be one.
 */
export function rewriteInt8(
  g: Graph,
  plan: QuantPlan,
  acts: ActivationParams,
  weights: Map<string, QuantizedWeight>,
  s: WeightSettings,
): Graph {
  const w = new Int8Writer(g, plan, acts);
  const constants = new Constants(g, w.out, acts, weights, s, (base) => w.fresh(base));
  for (const node of topoSort(g)) {
    const copy: Node = { ...node, inputs: [...node.inputs], outputs: [...node.outputs] };
    if (plan.quantized.has(node)) {
      const rule = quantRuleOf(node)!;
      const weight = rule.weight?.(node, g);
      for (const i of rule.activations(node, g)) {
        const t = node.inputs[i]!;
        const again = acts.requantize.find((r) => r.node === node && r.slot === i);
        if (g.initializers.has(t))
          copy.inputs[i] = constants.activation(t, again?.params ?? acts.params.get(t)!);
        else copy.inputs[i] = again ? w.requantized(t, again.params) : w.int8Of(t);
      }
      if (weight) copy.inputs[weight.index] = constants.weight(node.inputs[weight.index]!);
      if (weight && rule.bias !== undefined && node.inputs[rule.bias])
        copy.inputs[rule.bias] = constants.bias(node, rule, weight.index);
      copy.outputs = node.outputs.map((o) => (o ? w.int8Of(o) : o));
    } else {
      copy.inputs = node.inputs.map((t) => (t && !g.initializers.has(t) ? w.floatOf(t) : t));
    }
    w.nodes.push(copy);
  }
  for (const v of g.outputs) w.floatOf(v.name);
  w.out.nodes = w.nodes;
  removeUnusedInitializers(w.out);
  return w.out;
}

/**
 * The int8 and float views of each activation. A quantized node's output is int8 under its own name (a
 * graph output's int8 tensor gets a new one, its DEQUANTIZE the output's name); other views are made on
 * first use, so each conversion sits right before its first reader.
 */
class Int8Writer {
  readonly out: Graph;
  readonly nodes: Node[] = [];
  private readonly index: GraphIndex;
  private readonly names: Set<string>;
  private readonly int8Name = new Map<string, string>();
  private readonly floatName = new Map<string, string>();
  private readonly requant = new Map<string, string>();

  constructor(
    private readonly g: Graph,
    private readonly plan: QuantPlan,
    private readonly acts: ActivationParams,
  ) {
    this.out = g.clone();
    this.index = indexGraph(g);
    this.names = new Set([...g.initializers.keys(), ...g.valueInfo.keys(), ...g.inputs.map((v) => v.name)]);
    for (const n of g.nodes) for (const o of n.outputs) this.names.add(o);
    for (const node of g.nodes) {
      if (!plan.quantized.has(node)) continue;
      for (const o of node.outputs.filter(Boolean)) {
        const name = this.index.graphOutputs.has(o) ? this.fresh(`${o}_int8`) : o;
        this.declare(name, o, acts.params.get(o)!, name === o);
        this.int8Name.set(o, name);
      }
    }
  }

  fresh(base: string): string {
    let name = base;
    for (let i = 1; this.names.has(name); i++) name = `${base}_${i}`;
    this.names.add(name);
    return name;
  }

  int8Of(t: string): string {
    let name = this.int8Name.get(t);
    if (name === undefined) {
      name = this.fresh(`${t}_int8`);
      this.declare(name, t, this.acts.params.get(t)!, false);
      this.convert('QUANTIZE', t, name);
      this.int8Name.set(t, name);
    }
    return name;
  }

  floatOf(t: string): string {
    if (!this.plan.quantized.has(this.index.producer.get(t)!)) return t;
    let name = this.floatName.get(t);
    if (!name) {
      name = this.index.graphOutputs.has(t) ? t : this.fresh(`${t}_float`);
      if (name !== t) this.out.valueInfo.set(name, { name, type: this.g.typeOf(t) });
      this.convert('DEQUANTIZE', this.int8Name.get(t)!, name);
      this.floatName.set(t, name);
    }
    return name;
  }

  /** `t` brought to `p` by a QUANTIZE int8 -> int8. */
  requantized(t: string, p: QParams): string {
    const key = `${t}|${p.scale[0]}|${p.zeroPoint[0]}`;
    let name = this.requant.get(key);
    if (!name) {
      name = this.fresh(`${t}_requant`);
      this.declare(name, t, p, false);
      this.convert('QUANTIZE', this.int8Of(t), name);
      this.requant.set(key, name);
    }
    return name;
  }

  private declare(name: string, like: string, p: QParams, keepExtra: boolean): void {
    const type = this.g.typeOf(like);
    const shape = type?.kind === 'tensor' ? type.shape : undefined;
    const base = keepExtra ? this.g.valueInfo.get(like)?.extra : undefined;
    const info: ValueInfo = {
      name,
      type: { kind: 'tensor', dtype: 'int8', ...(shape ? { shape } : {}) },
      quant: float32Params(p),
      ...(base ? { extra: base } : {}),
    };
    this.out.valueInfo.set(name, info);
  }

  private convert(opType: 'QUANTIZE' | 'DEQUANTIZE', from: string, to: string): void {
    this.nodes.push({ name: to, opType, domain: 'tflite', inputs: [from], outputs: [to], attrs: {} });
  }
}

/** Quantized constants, under the float constant's name when nothing else reads it. */
class Constants {
  private readonly made = new Map<string, string>();
  private readonly index: GraphIndex;

  constructor(
    private readonly g: Graph,
    private readonly out: Graph,
    private readonly acts: ActivationParams,
    private readonly weights: Map<string, QuantizedWeight>,
    private readonly s: WeightSettings,
    private readonly fresh: (base: string) => string,
  ) {
    this.index = indexGraph(g);
  }

  /** The name for a quantized version of `name` (made once per key). */
  private place(name: string, key: string, make: () => Tensor): string {
    const known = this.made.get(`${name}|${key}`);
    if (known) return known;
    const readers = this.index.consumers.get(name) ?? [];
    const sole = readers.length === 1 && !this.index.graphOutputs.has(name);
    const target = sole ? name : this.fresh(`${name}_${key.split(':')[0]}`);
    this.out.initializers.set(target, make());
    this.made.set(`${name}|${key}`, target);
    return target;
  }

  activation(name: string, p: QParams): string {
    const t = this.g.initializers.get(name)!;
    return this.place(name, `int8:${p.scale[0]}:${p.zeroPoint[0]}`, () => quantizeConstant(t, p));
  }

  /** The weight as quantizeAllWeights made it (B16's bias fit included). */
  weight(name: string): string {
    const q = this.weights.get(name)!;
    return this.place(name, 'int8:w', () => int8Weight(this.g.initializers.get(name)!, q));
  }

  bias(node: Node, rule: QuantRule, slot: number): string {
    const name = node.inputs[rule.bias!]!;
    const input = node.inputs[rule.activations(node, this.g)[0]!]!;
    const inScale = this.acts.params.get(input)!.scale[0]!;
    const outScale = this.acts.params.get(node.outputs[0]!)!.scale[0]!;
    const wName = node.inputs[slot]!;
    this.weight(wName);
    const wParams = this.weights.get(wName)!.params;
    const t = this.g.initializers.get(name)!;
    const key = `int32:${inScale}:${outScale}:${wName}`;
    return this.place(name, key, () => quantizeBiasTensor(t, inScale, wParams, outScale, this.s));
  }
}

function removeUnusedInitializers(g: Graph): void {
  const used = new Set<string>(g.outputs.map((v) => v.name));
  for (const n of g.nodes) for (const i of n.inputs) used.add(i);
  for (const name of [...g.initializers.keys()]) if (!used.has(name)) g.initializers.delete(name);
}
