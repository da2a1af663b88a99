import { int } from '../ir/attrs.js';
import { Graph, indexGraph, readNames, topoSort, type GraphIndex, type Node } from '../ir/graph.js';
import { Tensor } from '../ir/tensor.js';
import type { QuantPlan } from './assign.js';
import {
  affineChannelScales,
  maxAbsPerChannel,
  perTensor,
  pow2ChannelScales,
  pow2ChannelScalesByError,
  quantizeBias,
  b16Value,
  quantizeWeights,
  type BiasMode,
  type ShiftRounding,
  type QParams,
} from './params.js';
import { quantRule, quantRuleOf } from './rules.js';

export interface WeightSettings {
  scheme: 'pow2' | 'affine';
  perChannel: boolean;
  biasMode: BiasMode;
  /** pow2: the target's shift; 'floor' folds the rounding into the biases (params.ts pow2Bias). */
  rounding?: ShiftRounding;
  /** pow2: weight exponents per channel by range (default) or by error (params.ts pow2ChannelScalesByError). */
  weightExponents?: 'range' | 'error';
}

export interface QuantizedWeight {
  name: string;
  values: Int8Array;
  dims: readonly number[];
  params: QParams;
}

/** Int8 weights of every quantized node, per channel along the rule's axis (or per tensor). */
export function quantizeAllWeights(
  g: Graph,
  plan: QuantPlan,
  s: WeightSettings,
): Map<string, QuantizedWeight> {
  const out = new Map<string, QuantizedWeight>();
  for (const node of plan.quantized) {
    const rule = quantRuleOf(node)!;
    const w = rule.weight?.(node, g);
    if (!w) continue;
    const name = node.inputs[w.index]!;
    if (out.has(name)) continue;
    const t = g.initializers.get(name)!;
    const axis = s.perChannel && w.axis >= 0 && t.dims.length > w.axis ? w.axis : undefined;
    const values = t.toFloat32();
    const maxAbs = maxAbsPerChannel(values, t.dims, axis);
    // By error only where products are summed (params.ts pow2ChannelScalesByError): ONNX ops say so with
    // `accumulates`, TFLite builtins with their bias slot (CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED, ...).
    const scale =
      s.scheme === 'affine'
        ? affineChannelScales(maxAbs)
        : s.weightExponents === 'error' && (rule.accumulates || rule.bias !== undefined)
          ? pow2ChannelScalesByError(values, t.dims, axis, maxAbs)
          : pow2ChannelScales(maxAbs);
    const params: QParams = { scale, zeroPoint: new Int32Array(scale.length), axis };
    out.set(name, { name, values: quantizeWeights(values, t.dims, scale, axis), dims: t.dims, params });
  }
  return out;
}

/**
 * Rewrites the float graph as QDQ ONNX: every quantized activation gets QuantizeLinear followed by
 * DequantizeLinear, weights become int8 initializers behind DequantizeLinear (per-axis: opset 13),
 * biases int32 at s_in * s_w. ONNX Runtime's QDQ selectors turn DQ -> Conv -> Q into QLinearConv and
 * likewise for MatMul, Add, Mul, pools and the rest, so the model runs int8 kernels.
 */
export function insertQdq(
  g: Graph,
  plan: QuantPlan,
  acts: Map<string, QParams>,
  weights: Map<string, QuantizedWeight>,
  s: WeightSettings,
  /** Names taken elsewhere in the model (other scopes): new names avoid them, and are added. */
  taken: Set<string> = new Set(),
): Graph {
  const out = g.clone();
  // Intermediate types are re-inferred by every runtime; stale entries would contradict the rewired graph.
  out.valueInfo = new Map();
  const names = taken;
  for (const name of [...g.initializers.keys(), ...g.inputs.map((v) => v.name)]) names.add(name);
  for (const n of g.nodes) for (const o of n.outputs) names.add(o);
  const unique = (base: string) => {
    let name = base;
    for (let i = 1; names.has(name); i++) name = `${base}_${i}`;
    names.add(name);
    return name;
  };
  const index = indexGraph(g);
  const added: Node[] = [];
  // One initializer per distinct per-tensor scale or zero point, shared by every Q/DQ node that uses it
  // (pow2 activations share a handful of scales 2^n / input_scale and a single zero point).
  const scalars = new Map<string, string>();
  const count = { scale: 0, zero: 0 };
  const scalar = (t: Tensor, kind: 'scale' | 'zero') => {
    const key = `${kind}:${t.dtype}:${t.toNumbers()[0]}`;
    let name = scalars.get(key);
    if (name === undefined) {
      name = unique(`${kind}${count[kind]++}`);
      scalars.set(key, name);
      out.initializers.set(name, t);
    }
    return name;
  };
  const addParams = (base: string, p: QParams, zpType: 'int8' | 'int32', withZp = true) => {
    const perAxis = p.scale.length > 1 || p.axis !== undefined;
    const dims = perAxis ? [p.scale.length] : [];
    const scale = Tensor.float32(dims, Float32Array.from(p.scale));
    const zp =
      zpType === 'int8'
        ? new Tensor('int8', dims, Int8Array.from(p.zeroPoint))
        : new Tensor('int32', dims, Int32Array.from(p.zeroPoint));
    const attrs: Node['attrs'] = perAxis ? { axis: int(p.axis ?? 0) } : {};
    if (!perAxis)
      return { scaleName: scalar(scale, 'scale'), zpName: withZp ? scalar(zp, 'zero') : '', attrs };
    const scaleName = unique(`${base}_s`);
    out.initializers.set(scaleName, scale);
    const zpName = withZp ? unique(`${base}_zp`) : '';
    if (withZp) out.initializers.set(zpName, zp);
    return { scaleName, zpName, attrs };
  };

  // Activations: x -> Q -> DQ, one DQ per reading node (ONNX Runtime's QDQ selectors fuse a node only
  // when the DQ nodes it reads are its own). A graph output keeps its name on a DQ of its own. The int8
  // tensor is x_q; the DQ outputs, float copies that exist only between the DQ and its reader (ORT fuses
  // them away, the TFLite converter reads x), get short names d<n>, d<n>_1, ... (n counts activations).
  const position = new Map(g.nodes.map((n, i) => [n, i]));
  const dqFor = new Map<string, string>(); // `${node index}:${value}` -> DQ output
  let activation = 0;
  for (const [name, p] of acts) {
    const n = activation++;
    const isOutput = index.graphOutputs.has(name);
    const source = isOutput ? unique(`${name}_float`) : name;
    if (isOutput) renameProducerOutput(out, g.nodes.indexOf(index.producer.get(name)!), name, source);
    const { scaleName, zpName } = addParams(name, p, 'int8');
    const q = unique(`${name}_q`);
    added.push(qdqNode('QuantizeLinear', [source, scaleName, zpName], q, {}));
    const addDq = (output: string) =>
      added.push(qdqNode('DequantizeLinear', [q, scaleName, zpName], output, {}));
    if (isOutput) addDq(name);
    // Only direct readers: an If/Loop that reads the value inside a subgraph keeps reading the float one.
    for (const reader of new Set(index.consumers.get(name) ?? [])) {
      if (!reader.inputs.includes(name)) continue;
      const dq = unique(`d${n}`);
      addDq(dq);
      dqFor.set(`${position.get(reader)}:${name}`, dq);
    }
  }
  out.nodes.forEach((node, i) => {
    node.inputs = node.inputs.map((v) => dqFor.get(`${i}:${v}`) ?? v);
  });

  // Weights and biases of quantized nodes.
  fitB16Biases(g, plan, acts, weights, s);
  for (const node of out.nodes) {
    const original = g.nodes[out.nodes.indexOf(node)]!;
    if (!plan.quantized.has(original)) continue;
    const rule = quantRule(node.opType)!;
    const w = rule.weight?.(original, g);
    if (!w) continue;
    const wName = original.inputs[w.index]!;
    const qw = weights.get(wName)!;
    const bName = rule.bias !== undefined ? original.inputs[rule.bias] : undefined;
    const outScale = acts.get(original.outputs[0]!)?.scale[0] ?? 1;
    const dequantize = (
      base: string,
      values: Tensor,
      p: QParams,
      zpType: 'int8' | 'int32',
      withZp = false,
    ) => {
      // Weights and biases are symmetric: the zero point input is omitted (ONNX: defaults to 0 of the
      // input's type), which saves a tensor per layer in the file. Except Gemm's weight: ORT fuses
      // DQ -> Gemm into QGemm only with an explicit zero point (without it, it dequantized mobilenet's
      // 1000x256 classifier on every run, about a tenth of the int8 model's time).
      const { scaleName, zpName, attrs } = addParams(
        base,
        p.axis === undefined && p.scale.length === 1 ? perTensor(p.scale[0]!) : p,
        zpType,
        withZp,
      );
      const qName = unique(`${base}_q`);
      out.initializers.set(qName, values);
      // The DequantizeLinear output takes the float constant's name where this node alone read it: the
      // node reads the same name as before, and the float constant is gone.
      const own = ownedConstant(g, index, base, original);
      if (own) out.initializers.delete(base);
      const dq = own ? base : unique(`${base}_dq`);
      added.push(
        qdqNode('DequantizeLinear', withZp ? [qName, scaleName, zpName] : [qName, scaleName], dq, attrs),
      );
      return dq;
    };
    const wValues = new Tensor('int8', qw.dims, qw.values);
    node.inputs[w.index] = dequantize(wName, wValues, qw.params, 'int8', node.opType === 'Gemm');
    if (bName) {
      const inScale = acts.get(original.inputs[0]!)!.scale[0]!;
      const b = g.initializers.get(bName)!.toFloat32();
      const mode = s.scheme === 'affine' ? 'affine' : s.biasMode;
      const q = quantizeBias(b, inScale, qw.params.scale, mode, outScale, s.rounding);
      const bScale = Float64Array.from(
        b,
        (_, c) => inScale * qw.params.scale[qw.params.scale.length === 1 ? 0 : c]!,
      );
      const bp: QParams = { scale: bScale, zeroPoint: new Int32Array(b.length), axis: 0 };
      node.inputs[rule.bias!] = dequantize(bName, new Tensor('int32', [b.length], q), bp, 'int32');
    }
  }
  out.nodes = [...out.nodes, ...added];
  out.nodes = topoSort(out);
  removeUnusedInitializers(out);
  return out;
}

/** True when `name` is a constant that `node` alone reads, once, and that is no graph input or output. */
function ownedConstant(g: Graph, index: GraphIndex, name: string, node: Node): boolean {
  const readers = index.consumers.get(name) ?? [];
  return (
    g.initializers.has(name) &&
    readers.length === 1 &&
    readers[0] === node &&
    !index.graphOutputs.has(name) &&
    !g.inputs.some((v) => v.name === name)
  );
}

/** A generated QuantizeLinear/DequantizeLinear node: no name (ONNX does not require one). */
function qdqNode(opType: string, inputs: string[], output: string, attrs: Node['attrs']): Node {
  return { name: '', opType, domain: '', inputs, outputs: [output], attrs };
}

function renameProducerOutput(g: Graph, position: number, from: string, to: string): void {
  const node = position >= 0 ? g.nodes[position] : undefined;
  if (node) node.outputs = node.outputs.map((o) => (o === from ? to : o));
  else {
    // A graph input that is also an output: feed the Q node from the input itself.
    for (const n of g.nodes) n.inputs = n.inputs.map((i) => (i === from ? to : i));
  }
}

function removeUnusedInitializers(g: Graph): void {
  const used = readNames(g);
  for (const name of [...g.initializers.keys()]) if (!used.has(name)) g.initializers.delete(name);
}

/**
 * pow2 B16: the weights of every quantized layer with a bias fitted to it (fitB16Bias), in graph order;
 * ONNX and TFLite-domain graphs alike (rules from quantRuleOf). Returns the channels changed.
 */
export function fitB16Biases(
  g: Graph,
  plan: QuantPlan,
  acts: Map<string, QParams>,
  weights: Map<string, QuantizedWeight>,
  s: WeightSettings,
): number {
  if (s.scheme !== 'pow2' || s.biasMode !== 'B16') return 0;
  let changed = 0;
  for (const node of g.nodes) {
    const rule = plan.quantized.has(node) ? quantRuleOf(node) : undefined;
    const w = rule?.weight?.(node, g);
    const bName = w && rule!.bias !== undefined ? node.inputs[rule!.bias] : undefined;
    if (!bName) continue;
    const wName = node.inputs[w!.index]!;
    // The data input: slot 0, except TFLite's TRANSPOSE_CONV (output shape, filter, data).
    const input = node.inputs[rule!.activations(node, g)[0] ?? 0]!;
    const inScale = acts.get(input)!.scale[0]!;
    const outScale = acts.get(node.outputs[0]!)?.scale[0] ?? 1;
    const b = g.initializers.get(bName)!.toFloat32();
    const floor = s.rounding === 'floor' ? outScale : undefined;
    changed += fitB16Bias(weights.get(wName)!, g.initializers.get(wName)!, b, inScale, floor);
  }
  return changed;
}

/**
 * pow2 B16 adds the bias as a 16-bit integer at the accumulator scale s_in * 2^-f. Where a channel's bias
 * would not fit int16, its weight exponent f is lowered until it does: coarser weights for that channel,
 * but a bias the hardware adds exactly, instead of a clamped one (measured on mobilenet_v1_bn: clamping
 * took output SQNR below 0 dB). Given `floorOutScale` (the output scale, for a truncating target), the
 * value that must fit is the bias with the rounding offset 2^(k-1) folded in (`pow2Bias`); lowering f
 * halves both, so a channel the offset alone pushes past int16 loses one bit of weight rather than part of
 * its offset. Returns the channels changed.
 */
export function fitB16Bias(
  qw: QuantizedWeight,
  weights: Tensor,
  bias: Float32Array,
  inScale: number,
  floorOutScale?: number,
): number {
  const scales = qw.params.scale;
  let changed = 0;
  for (let c = 0; c < bias.length; c++) {
    const i = scales.length === 1 ? 0 : c;
    const need = Math.abs(bias[c]!) / (32767 * inScale);
    let scale = scales[i]! >= need ? scales[i]! : 2 ** Math.ceil(Math.log2(need));
    // The offset can push a bias that fits past int16 (clamping would drop part of it).
    const fits = (s: number) => {
      const v = b16Value(bias[c]!, inScale * s, floorOutScale!, 'floor');
      return v >= -32768 && v <= 32767;
    };
    while (floorOutScale !== undefined && !fits(scale)) scale *= 2;
    if (scale === scales[i]) continue;
    scales[i] = scale;
    changed++;
  }
  if (changed) qw.values = quantizeWeights(weights.toFloat32(), weights.dims, scales, qw.params.axis);
  return changed;
}
