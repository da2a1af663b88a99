import { getOp } from '../ops/index.js';
/**
 * pow2 --rounding floor on an ONNX input: one set of biases for both files of a run.
 *
 * The mean-shift corrections of truncating ops without a bias (tflite/floor-shift.ts, floor-measured.ts) are computed on the
 * converted TFLite graph, whose op types and integer arithmetic they describe. The .onnx is written from
 * the QDQ graph, so each corrected conv/FC bias is carried back to the int32 initializer its
 * DequantizeLinear reads: the .onnx and the .tflite then hold the same biases (issue 15: the two files of
 * one run agree), and the QDQ graph the report measures per layer is the one the files were made from.
 */
import { indexGraph, type Graph, type Model } from '../ir/graph.js';
import { Tensor } from '../ir/tensor.js';

export interface FloorBiases {
  /** The QDQ model with the corrected int32 biases. */
  qdq: Model;
  /** The converted TFLite-domain model with the same corrections. */
  tflite: Model;
  /** Conv/FC biases corrected in both files. */
  corrected: number;
}

/**
 * `converted` is `convertModel(qdq)`'s model, `folded` the same with its conv/FC biases corrected (by
 * floor-shift's prediction or floor-measured's measurement). The converter names a conv/FC bias `<ONNX bias input>_bias`
 * (ops/common: fc.ts, Conv.ts), and the ONNX bias input is a DequantizeLinear of an int32 initializer.
 */
export function floorBiases(qdq: Model, converted: Model, folded: Model): FloorBiases {
  const g = qdq.graph.clone();
  const before = converted.graph.initializers;
  const after = folded.graph.initializers;
  const sources = int32Biases(g);
  let corrected = 0;
  for (const [name, t] of after) {
    const old = before.get(name);
    if (!old || t.dtype !== 'int32' || sameValues(old, t)) continue;
    const source = sources.get(name);
    if (!source) continue;
    const onnx = g.initializers.get(source.bias)!;
    const next = carried(old, t, onnx, source.scale);
    if (!next) continue;
    g.initializers.set(source.bias, next);
    corrected++;
  }
  return { qdq: { ...qdq, graph: g }, tflite: folded, corrected };
}

/** TFLite bias name -> the int32 initializer it was made from and its scales, for unshared biases. */
function int32Biases(g: Graph): Map<string, { bias: string; scale?: Float32Array }> {
  const index = indexGraph(g);
  const map = new Map<string, { bias: string; scale?: Float32Array }>();
  for (const node of g.nodes) {
    const slot = getOp(node.opType, node.domain)?.quant?.bias;
    const dqOut = slot === undefined ? undefined : node.inputs[slot];
    if (!dqOut) continue;
    const dq = index.producer.get(dqOut);
    const source = dq?.opType === 'DequantizeLinear' ? dq.inputs[0] : undefined;
    const t = source ? g.initializers.get(source) : undefined;
    if (!source || t?.dtype !== 'int32') continue;
    // A bias other readers share stays as it is (floor-shift leaves shared biases alone too).
    const readers = g.nodes.filter((n) => n.inputs.includes(source) || n.inputs.includes(dqOut));
    if (readers.length > 2) continue;
    map.set(`${dqOut}_bias`, { bias: source, scale: g.initializers.get(dq!.inputs[1] ?? '')?.toFloat32() });
  }
  return map;
}

/**
 * The ONNX bias moved by the TFLite bias's change, channel by channel, in the ONNX bias's own steps (the
 * same steps when the converter reused the QDQ bias, which it does when the scales are s_in * s_w).
 */
function carried(old: Tensor, t: Tensor, onnx: Tensor, sO: Float32Array | undefined): Tensor | undefined {
  const [o, n, v] = [old.data as Int32Array, t.data as Int32Array, onnx.data as Int32Array];
  if (o.length !== v.length) return undefined;
  const sT = t.quant?.scale.length ? t.quant.scale : undefined;
  const ratio = (c: number) => (sT && sO ? sT[sT.length === 1 ? 0 : c]! / sO[sO.length === 1 ? 0 : c]! : 1);
  const values = Int32Array.from(v, (x, c) => x + Math.round((n[c]! - o[c]!) * ratio(c)));
  const out = new Tensor('int32', onnx.dims, values);
  out.extra = onnx.extra;
  out.quant = onnx.quant;
  return out;
}

const sameValues = (a: Tensor, b: Tensor) =>
  a.data.length === b.data.length && (a.data as Int32Array).every((x, i) => x === (b.data as Int32Array)[i]);
