import { attrFloat } from '../ir/attrs.js';
import type { DType } from '../ir/dtype.js';
import { indexGraph, topoSort, type Graph, type GraphIndex, type Node } from '../ir/graph.js';
import type { Range } from './observers.js';
import {
  affineActivation,
  affineZeroPoint,
  perTensor,
  pow2ActivationScale,
  pow2ScaleByError,
  type Magnitudes,
  type QParams,
} from './params.js';
import { isFusableActivation, quantRuleOf, type QuantRule } from './rules.js';
import { hardSigmoidOperands, meanScale, tieFreeScale, type Int8Params } from './tie-free.js';

export interface PlanSettings {
  scheme: 'pow2' | 'affine';
  /**
   * Parameters of the float graph inputs input_scale fixes (scale 1 / input_scale, zero point 0); for
   * affine, only the inputs given one.
   */
  inputParams: Map<string, QParams>;
  /** input_scale that pow2 activations are built on (scale 2^n / base). */
  baseInputScale: number;
  exclude: string[];
  /**
   * pow2: histograms of |x| by tensor; a tensor with one takes the exponent of least error on it
   * (pow2ScaleByError), else the one its range gives.
   */
  histograms?: Map<string, Magnitudes>;
}

export interface FloatOp {
  node: string;
  op: string;
  why: string;
}

export interface QuantPlan {
  /** Nodes to run in int8, by name or index key. */
  quantized: Set<Node>;
  /** Activation tensors that need a calibrated range. */
  calibrate: string[];
  float: FloatOp[];
}

/**
 * Which nodes are quantized and which tensors need ranges, in an ONNX-semantics graph or a TFLite-domain
 * one alike: each node's rule comes from its op's descriptor (quantRuleOf).
 */
export function planQuantization(
  g: Graph,
  types: Map<string, DType>,
  settings: Pick<PlanSettings, 'exclude'>,
): QuantPlan {
  const quantized = new Set<Node>();
  const float: FloatOp[] = [];
  const isFloat = (name: string) => types.get(name) === 'float32';
  // A TFLite node is reported when it reads a float activation too (a float op between int8 ones).
  const reads = (node: Node) =>
    node.domain === 'tflite' && node.inputs.some((i) => isFloat(i) && !g.initializers.has(i));
  const order = topoSort(g);
  const index = indexGraph(g);
  for (const node of order) {
    const rule = quantRuleOf(node);
    const label = node.name || node.outputs[0]!;
    const op = opLabel(node);
    if (settings.exclude.includes(node.name) || settings.exclude.includes(node.opType)) {
      float.push({ node: label, op, why: 'excluded by --exclude' });
      continue;
    }
    if (!rule) {
      if ((node.outputs.some(isFloat) || reads(node)) && node.opType !== 'Constant') {
        float.push({ node: label, op, why: noRuleBecause(node) });
      }
      continue;
    }
    const why = unsupportedBecause(node, rule, g, isFloat);
    if (why) {
      float.push({ node: label, op, why });
      continue;
    }
    quantized.add(node);
  }
  keepFloatTails(g, order, index, quantized, float);
  return { quantized, calibrate: rangesRead(g, order, index, quantized), float };
}

/**
 * A value-moving op (output 'same-as-input': Reshape, Flatten, Transpose, ...) that reads a float op's
 * output and whose values reach no int8 op, only float ops and graph outputs, stays float too: quantizing
 * it would only round a float result on its way out. Without this, `--exclude` on an opset-11 Softmax
 * left its output quantized, by the Reshape that upgradeOpset's 2-D coercion puts after it (PP-OCRv4
 * rec's final Softmax). Graph inputs are not float ops here: an input's Reshape keeps its rule.
 */
function keepFloatTails(
  g: Graph,
  order: readonly Node[],
  index: GraphIndex,
  quantized: Set<Node>,
  float: FloatOp[],
): void {
  const passes = (n: Node) => quantRuleOf(n)?.output === 'same-as-input';
  // Whether a quantized node's values reach an int8 op other than a value-moving one (reverse order).
  const reaches = new Map<Node, boolean>();
  for (const node of [...order].reverse()) {
    if (!quantized.has(node)) continue;
    reaches.set(
      node,
      !passes(node) ||
        node.outputs.some((o) =>
          (index.consumers.get(o) ?? []).some((c) => quantized.has(c) && reaches.get(c) !== false),
        ),
    );
  }
  for (const node of order) {
    if (!quantized.has(node) || !passes(node) || reaches.get(node)) continue;
    const inputs = quantRuleOf(node)!
      .activations(node, g)
      .map((i) => index.producer.get(node.inputs[i]!));
    if (inputs.length === 0 || inputs.some((p) => !p || quantized.has(p))) continue;
    quantized.delete(node);
    float.push({
      node: node.name || node.outputs[0]!,
      op: opLabel(node),
      why: "moves a float op's output to no int8 op",
    });
  }
}

/** A TFLite custom op is named by its code: CUSTOM(Convolution2DTransposeBias). */
const customCode = (node: Node): string | undefined =>
  node.domain === 'tflite' && node.attrs.custom_code?.kind === 'string'
    ? node.attrs.custom_code.value
    : undefined;

const opLabel = (node: Node): string => {
  const code = customCode(node);
  return code === undefined ? node.opType : `CUSTOM(${code})`;
};

function noRuleBecause(node: Node): string {
  const code = customCode(node);
  return code === undefined
    ? 'no int8 rule for this operator'
    : `custom op ${code}: no int8 kernel in TFLite`;
}

/**
 * The tensors whose ranges assignActivationParams reads, so that calibration observes (and makes model
 * outputs of) no others: an activation input that no int8 node produces (a graph input, a float op's
 * output); a 'calibrated' output, except a Conv/Gemm/MatMul output read only by the ReLU/Clip fused after
 * it, which takes the activation's output range instead; 'mean' outputs and the outputs of pass-through
 * ops without an activation input (a Gather from a table), which read their own range in some cases.
 * Pass-through outputs otherwise keep their input's parameters and fixed-output ops' come from the rule.
 * On mobilenet_v1_bn this is 30 tensors of the 59 the int8 nodes read and write.
 */
function rangesRead(g: Graph, order: readonly Node[], index: GraphIndex, quantized: Set<Node>): string[] {
  const tensors = new Set<string>();
  for (const node of order) {
    if (!quantized.has(node)) continue;
    const rule = quantRuleOf(node)!;
    const activations = rule.activations(node, g);
    for (const i of activations) {
      const producer = index.producer.get(node.inputs[i]!);
      if (!producer || !quantized.has(producer)) tensors.add(node.inputs[i]!);
    }
    for (const out of node.outputs) {
      if (!out || typeof rule.output === 'object') continue;
      if (rule.output === 'same-as-input' && activations.length > 0) continue;
      if (rule.output !== 'calibrated') {
        tensors.add(out);
        continue;
      }
      tensors.add(fusedActivationOutput(g, index, quantized, out) ?? out);
    }
  }
  return [...tensors];
}

/**
 * The output of the quantized ReLU/Clip that alone reads `out` (a Conv/Gemm/MatMul output the pair runs
 * as one fused int8 op, so `out` takes the activation's range), else undefined.
 */
export function fusedActivationOutput(
  g: Graph,
  index: GraphIndex,
  quantized: Set<Node>,
  out: string,
): string | undefined {
  const consumers = index.consumers.get(out) ?? [];
  const act = consumers.length === 1 && !index.graphOutputs.has(out) ? consumers[0]! : undefined;
  return act && quantized.has(act) && isFusableActivation(act, g) ? act.outputs[0] || undefined : undefined;
}

function unsupportedBecause(
  node: Node,
  rule: QuantRule,
  g: Graph,
  isFloat: (n: string) => boolean,
): string | undefined {
  if (!node.outputs.filter(Boolean).every(isFloat)) return 'output is not float32';
  const acts = rule.activations(node, g);
  if (!acts.every((i) => isFloat(node.inputs[i]!))) return 'input is not float32';
  const w = rule.weight?.(node, g);
  // A bias is stored int32 at s_in * s_w: an op with a bias slot needs a constant weight.
  if (rule.bias !== undefined && !w) return 'weights are not constant';
  if (w && g.initializers.get(node.inputs[w.index]!)?.dtype !== 'float32') return 'weights are not float32';
  if (
    rule.bias !== undefined &&
    node.inputs[rule.bias] &&
    g.initializers.get(node.inputs[rule.bias]!)?.dtype !== 'float32'
  ) {
    return 'bias is not a float32 constant';
  }
  return undefined;
}

/**
 * Parameters of every quantized activation, in execution order: graph inputs from --input_scale (or
 * calibration), outputs per the op's rule, and a Conv/Gemm/MatMul output that feeds only a ReLU or
 * Clip(0, ...) takes the activation's range (the pair runs as one fused int8 op). affine: a calibrated
 * Mul, Add or HardSigmoid output scale moves (by under 1e-3, relative) off rounding ties, and a 'mean'
 * output whose element count is in `meanCounts` (input elements per output element, at the calibration
 * samples' shapes) gets a tie-free mean scale; see tie-free.ts.
 */
export function assignActivationParams(
  g: Graph,
  plan: QuantPlan,
  ranges: Map<string, Range>,
  s: PlanSettings,
  weightParams: Map<string, QParams> = new Map(),
  meanCounts: Map<string, number> = new Map(),
): Map<string, QParams> {
  const params = new Map<string, QParams>();
  const grid = (name: string): QParams =>
    paramsFromRange(ranges.get(name) ?? { min: 0, max: 0 }, s, s.histograms?.get(name));
  for (const [name, p] of s.inputParams) params.set(name, p);
  const index = indexGraph(g);
  const floors = s.scheme === 'pow2' ? addInputFloors(g, index, plan, grid) : new Map<string, number>();
  // A pow2 grid is raised to its floor (both are 2^n / input_scale): see addInputFloors.
  const fromRange = (name: string): QParams => {
    const p = grid(name);
    const floor = floors.get(name);
    return floor !== undefined && floor > p.scale[0]! ? perTensor(floor, 0) : p;
  };
  for (const node of topoSort(g)) {
    if (!plan.quantized.has(node)) continue;
    const rule = quantRuleOf(node)!;
    for (const i of rule.activations(node, g)) {
      const name = node.inputs[i]!;
      if (!params.has(name)) params.set(name, fromRange(name));
    }
    for (const out of node.outputs) {
      if (!out || params.has(out)) continue;
      const src = node.inputs[rule.activations(node, g)[0] ?? rule.weight?.(node, g)?.index ?? 0]!;
      const count = meanCounts.get(out);
      if (rule.output === 'mean' && s.scheme === 'affine' && count !== undefined && params.has(src)) {
        const calibrated = fromRange(out);
        const scale = meanScale(params.get(src)!.scale[0]!, count, calibrated.scale[0]!);
        const r = ranges.get(out) ?? { min: 0, max: 0 };
        params.set(out, scale === undefined ? calibrated : perTensor(scale, affineZeroPoint(r, scale)));
      } else if (rule.output === 'same-as-input' || rule.output === 'mean') {
        params.set(out, params.get(src) ?? weightParams.get(src) ?? fromRange(out));
      } else if (typeof rule.output === 'object') {
        params.set(out, perTensor(rule.output.scale, rule.output.zeroPoint));
      } else if (s.scheme === 'pow2' && rule.pow2Output) {
        params.set(out, perTensor(rule.pow2Output.scale, rule.pow2Output.zeroPoint));
      } else {
        const p = fromRange(fusedActivationOutput(g, index, plan.quantized, out) ?? out);
        params.set(out, s.scheme === 'affine' ? offTies(node, g, p, params, weightParams) : p);
      }
    }
  }
  return params;
}

/**
 * pow2: the least scale of each activation read only by an Add or Sub (through ops that keep its
 * parameters, such as a ReLU): the sum's own scale. An operand on a grid finer than the sum's by 2^k
 * reaches it by a shift of k, and a shifted-out half is a rounding tie, which ONNX Runtime rounds to even
 * and LiteRT's int8 ADD upward: on PP-OCR cls a quarter of a residual Add's outputs were a step apart.
 * On the sum's grid the operand's producer rounds once, where the Add would have rounded it again, and the
 * Add adds integers exactly. An operand others read keeps its grid (they would lose precision).
 */
function addInputFloors(
  g: Graph,
  index: GraphIndex,
  plan: QuantPlan,
  grid: (name: string) => QParams,
): Map<string, number> {
  const floors = new Map<string, number>();
  for (const node of plan.quantized) {
    if ((node.opType !== 'Add' && node.opType !== 'Sub') || node.domain !== '') continue;
    const out = node.outputs[0]!;
    const scale = grid(fusedActivationOutput(g, index, plan.quantized, out) ?? out).scale[0]!;
    for (const i of quantRuleOf(node)!.activations(node, g)) {
      let [t, reader] = [node.inputs[i]!, node];
      for (;;) {
        const readers = index.consumers.get(t) ?? [];
        if (readers.length !== 1 || readers[0] !== reader || index.graphOutputs.has(t)) break;
        const producer = index.producer.get(t);
        if (!producer || !plan.quantized.has(producer)) break;
        floors.set(t, Math.max(floors.get(t) ?? 0, scale));
        const rule = quantRuleOf(producer)!;
        if (rule.output !== 'same-as-input') break;
        [t, reader] = [producer.inputs[rule.activations(producer, g)[0] ?? 0]!, producer];
      }
    }
  }
  return floors;
}

/**
 * The scheme's parameters for a calibrated range: pow2 2^n / input_scale (given a histogram of |x|, the
 * exponent of least error on it), affine the range's scale and zero point. Both domains' assignments.
 */
export function paramsFromRange(
  r: Range,
  s: Pick<PlanSettings, 'scheme' | 'baseInputScale'>,
  h: Magnitudes | undefined,
): QParams {
  if (s.scheme === 'pow2') {
    const scale = pow2ActivationScale(r, s.baseInputScale);
    return perTensor(h ? pow2ScaleByError(h, scale) : scale, 0);
  }
  const a = affineActivation(r);
  return perTensor(a.scale, a.zeroPoint);
}

/**
 * A Mul, Add or HardSigmoid of per-tensor int8 operands: the calibrated output parameters `p` with the
 * scale moved to the nearest one at which no result lies within the runtimes' arithmetic error of a
 * rounding tie (tieFreeScale); `p` for other ops.
 */
function offTies(
  node: Node,
  g: Graph,
  p: QParams,
  params: Map<string, QParams>,
  weights: Map<string, QParams>,
): QParams {
  const operand = (i: number): Int8Params | undefined => {
    const q = params.get(node.inputs[i]!) ?? weights.get(node.inputs[i]!);
    return q && q.scale.length === 1 ? { scale: q.scale[0]!, zeroPoint: q.zeroPoint[0]! } : undefined;
  };
  let operands: [Int8Params, Int8Params] | undefined;
  if (node.opType === 'Mul' || node.opType === 'Add') {
    const [a, b] = [operand(0), operand(1)];
    if (a && b) operands = [a, b];
  } else if (node.opType === 'HardSigmoid') {
    const x = operand(0);
    if (x) operands = hardSigmoidOperands(x, attrFloat(node, 'alpha', 0.2), attrFloat(node, 'beta', 0.5));
  }
  if (!operands || p.scale.length !== 1) return p;
  const out = { scale: p.scale[0]!, zeroPoint: p.zeroPoint[0]! };
  const scale = tieFreeScale(node.opType === 'Mul' ? 'Mul' : 'Add', ...operands, out);
  return scale === out.scale ? p : perTensor(scale, out.zeroPoint);
}
