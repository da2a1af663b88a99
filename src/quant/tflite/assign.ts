import { indexGraph, type Graph, type GraphIndex, type Node } from '../../ir/graph.js';
import type { Range } from '../observers.js';
import { fusedActivationOutput, paramsFromRange, type QuantPlan } from '../assign.js';
import { perTensor, type Magnitudes, type QParams } from '../params.js';
import { quantRuleOf } from '../rules.js';

export interface ActivationSettings {
  scheme: 'pow2' | 'affine';
  /** Scale of each float graph input whose scale is given (1 / input_scale). */
  inputScales: Map<string, number>;
  /** input_scale that pow2 activations are built on (scale 2^n / base). */
  baseInputScale: number;
  /**
   * pow2 (--activation_exponents error): histograms of |x| by tensor; a group of one tensor with one
   * takes the exponent of least error on it, as assignActivationParams does for an ONNX graph.
   */
  histograms?: Map<string, Magnitudes>;
}

/** An input slot that reads its tensor through a requantizing QUANTIZE (int8 -> int8). */
export interface Requantize {
  node: Node;
  slot: number;
  params: QParams;
}

export interface ActivationParams {
  /** Int8 parameters of every activation int8 nodes read or write (and of constants read as such). */
  params: Map<string, QParams>;
  requantize: Requantize[];
}

/**
 * Parameters of every int8 activation. Tensors the spec ties together (same-as-input and same-all ops)
 * form one group with the union of their ranges; fixed parameters (LOGISTIC, SOFTMAX, TANH outputs, given
 * input scales) bind their group. A fixed group never takes a tensor whose range it cannot hold: that
 * input is requantized instead. An output read only by a quantized RELU/RELU6 takes the activation's
 * range, as if fused.
 */
export function assignActivations(
  g: Graph,
  plan: QuantPlan,
  ranges: Map<string, Range>,
  s: ActivationSettings,
): ActivationParams {
  const index = indexGraph(g);
  const source = (name: string) =>
    g.initializers.has(name) ? name : (clippingConsumer(g, index, plan, name) ?? name);
  const groups = new Groups((name) => effectiveRange(g, ranges, source(name)));
  for (const [name, scale] of s.inputScales) groups.fix(name, perTensor(scale, 0));
  const ties: [Node, number][] = [];
  for (const node of g.nodes) {
    if (!plan.quantized.has(node)) continue;
    const rule = quantRuleOf(node)!;
    const slots = rule.activations(node, g);
    for (const i of slots) groups.add(node.inputs[i]!);
    for (const o of node.outputs) if (o) groups.add(o);
    const out = node.outputs[0]!;
    const fixed = rule.output;
    if (typeof fixed === 'object') {
      for (const o of node.outputs) if (o) groups.fix(o, perTensor(fixed.scale, fixed.zeroPoint));
    } else if (rule.output === 'same-as-input') {
      // The output's values are the input's, moved: it joins the input's group whatever that holds.
      for (const o of node.outputs) if (o) groups.union(node.inputs[slots[0]!]!, o);
    } else if (rule.output === 'same-all') {
      const fixedLast = [...slots].sort(
        (a, b) => +groups.isFixed(node.inputs[a]!) - +groups.isFixed(node.inputs[b]!),
      );
      for (const i of fixedLast) if (!groups.tie(node.inputs[i]!, out)) ties.push([node, i]);
    }
  }
  const histogram = (name: string) =>
    s.histograms && groups.size(name) === 1 ? s.histograms.get(source(name)) : undefined;
  const paramsOf = (name: string): QParams =>
    groups.fixed(name) ?? paramsFromRange(groups.range(name), s, histogram(name));
  const params = new Map<string, QParams>();
  for (const name of groups.names()) params.set(name, paramsOf(name));
  const requantize = ties.map(([node, slot]) => ({ node, slot, params: paramsOf(node.outputs[0]!) }));
  return { params, requantize };
}

/**
 * The range a tensor's parameters are built from: a constant's own values, else the calibrated range of
 * `name` (the tensor itself, or the output of the RELU that alone reads it).
 */
function effectiveRange(g: Graph, ranges: Map<string, Range>, name: string): Range {
  const constant = g.initializers.get(name);
  if (constant) return valueRange(constant.toFloat32());
  return ranges.get(name) ?? { min: 0, max: 0 };
}

/** The output of the quantized RELU/RELU6 that alone reads `name` (an int8 node's output), if any. */
function clippingConsumer(g: Graph, index: GraphIndex, plan: QuantPlan, name: string): string | undefined {
  const producer = index.producer.get(name);
  return producer && plan.quantized.has(producer)
    ? fusedActivationOutput(g, index, plan.quantized, name)
    : undefined;
}

function valueRange(values: Float32Array): Range {
  let min = 0;
  let max = 0;
  for (const v of values) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return { min, max };
}

/** The real range int8 parameters hold, one step of slack either side. */
function holds(p: QParams, r: Range): boolean {
  const s = p.scale[0]!;
  const z = p.zeroPoint[0]!;
  return r.min >= (-129 - z) * s && r.max <= (128 - z) * s;
}

/** Union-find over tensor names, each group with the union of its ranges and optional fixed params. */
class Groups {
  private readonly parent = new Map<string, string>();
  private readonly ranges = new Map<string, Range>();
  private readonly fixedParams = new Map<string, QParams>();

  constructor(private readonly rangeOf: (name: string) => Range) {}

  add(name: string): string {
    if (!this.parent.has(name)) {
      this.parent.set(name, name);
      this.ranges.set(name, this.rangeOf(name));
    }
    return this.root(name);
  }

  names(): string[] {
    return [...this.parent.keys()];
  }

  /** How many tensors share `name`'s group. */
  size(name: string): number {
    const root = this.add(name);
    return this.names().filter((n) => this.root(n) === root).length;
  }

  private root(name: string): string {
    let r = name;
    while (this.parent.get(r) !== r) r = this.parent.get(r)!;
    this.parent.set(name, r);
    return r;
  }

  range(name: string): Range {
    return this.ranges.get(this.add(name))!;
  }

  fixed(name: string): QParams | undefined {
    return this.fixedParams.get(this.add(name));
  }

  isFixed(name: string): boolean {
    return this.fixed(name) !== undefined;
  }

  fix(name: string, p: QParams): void {
    this.fixedParams.set(this.add(name), p);
  }

  union(a: string, b: string): void {
    const [ra, rb] = [this.add(a), this.add(b)];
    if (ra === rb) return;
    const [x, y] = [this.ranges.get(ra)!, this.ranges.get(rb)!];
    this.parent.set(rb, ra);
    this.ranges.set(ra, { min: Math.min(x.min, y.min), max: Math.max(x.max, y.max) });
    const fixed = this.fixedParams.get(ra) ?? this.fixedParams.get(rb);
    if (fixed) this.fixedParams.set(ra, fixed);
  }

  /** Joins `input` to `output`'s group when their parameters can be one; false when it must requantize. */
  tie(input: string, output: string): boolean {
    const [fi, fo] = [this.fixed(input), this.fixed(output)];
    const ok =
      (!fi && !fo) ||
      (fi && fo ? sameParams(fi, fo) : fi ? holds(fi, this.range(output)) : holds(fo!, this.range(input)));
    if (ok) this.union(output, input);
    return ok;
  }
}

function sameParams(a: QParams, b: QParams): boolean {
  return Math.fround(a.scale[0]!) === Math.fround(b.scale[0]!) && a.zeroPoint[0] === b.zeroPoint[0];
}
