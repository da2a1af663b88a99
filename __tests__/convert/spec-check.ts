import { perTensor, type QParams } from '../../src/ir/qparams.js';
import { indexGraph, type Graph, type Model } from '../../src/ir/graph.js';

/**
 * Checks a TFLite model as read back from its bytes (importTflite) against the TFLite int8 quantization
 * specification, independently of the converter's code: returns one line per violation.
 */
export function int8SpecViolations(model: Model): string[] {
  const g = model.graph;
  const index = indexGraph(g);
  const bad: string[] = [];
  const q = (name: string) => quantOf(g, name);
  const dtype = (name: string) => dtypeOf(g, name);
  for (const n of g.nodes) {
    const where = `${n.opType} '${n.name}'`;
    const out = n.outputs[0]!;
    if (dtype(out) !== 'int8') continue;
    const weighted = WEIGHTED[n.opType];
    if (weighted) bad.push(...weightViolations(g, n.inputs, weighted, where));
    if (weighted && index.producer.has(n.inputs[weighted.weights]!))
      bad.push(`${where}: weights come from an op`);
    const fixed = FIXED[n.opType];
    if (fixed && !same(q(out), perTensor(fixed[0], fixed[1]))) {
      bad.push(`${where}: output parameters must be ${fixed[0]}, ${fixed[1]}`);
    }
    const data = n.opType === 'SPLIT' ? n.inputs[1]! : n.inputs[0]!;
    if (SAME_AS_INPUT.has(n.opType) && n.outputs.some((o) => !same(q(o), q(data)))) {
      bad.push(`${where}: output parameters differ from the input's`);
    }
    if (SAME_ALL.has(n.opType) && n.inputs.some((i) => !same(q(i), q(out)))) {
      bad.push(`${where}: inputs and output do not share parameters`);
    }
    for (const v of [...n.inputs, ...n.outputs]) {
      const p = v && !g.initializers.has(v) ? q(v) : undefined;
      if (p && p.scale.length !== 1) bad.push(`${where}: activation '${v}' is not per-tensor`);
    }
  }
  return bad;
}

/** Ops with weights: where their data, weights and bias are, and the dimension the weights are per-axis on. */
interface Weighted {
  data: number;
  weights: number;
  bias: number;
  axis: number;
}
const CONV_LIKE = { data: 0, weights: 1, bias: 2 };
const WEIGHTED: Record<string, Weighted> = {
  CONV_2D: { ...CONV_LIKE, axis: 0 },
  FULLY_CONNECTED: { ...CONV_LIKE, axis: 0 },
  DEPTHWISE_CONV_2D: { ...CONV_LIKE, axis: 3 },
  // Inputs: output shape, weights OHWI, input, bias.
  TRANSPOSE_CONV: { data: 2, weights: 1, bias: 3, axis: 0 },
};
const FIXED: Record<string, [number, number]> = {
  LOGISTIC: [1 / 256, -128],
  SOFTMAX: [1 / 256, -128],
  TANH: [1 / 128, 0],
};
const SAME_AS_INPUT = new Set([
  'AVERAGE_POOL_2D',
  'MAX_POOL_2D',
  'RESHAPE',
  'SQUEEZE',
  'TRANSPOSE',
  'GATHER',
  'PAD',
  'SLICE',
  'STRIDED_SLICE',
  'SPLIT',
  'RESIZE_BILINEAR',
  'RESIZE_NEAREST_NEIGHBOR',
]);
const SAME_ALL = new Set(['CONCATENATION', 'MAXIMUM', 'MINIMUM']);

function weightViolations(g: Graph, inputs: string[], at: Weighted, where: string): string[] {
  const bad: string[] = [];
  const axis = at.axis;
  const w = g.initializers.get(inputs[at.weights]!);
  const wq = w?.quant;
  if (!w || w.dtype !== 'int8' || !wq) return [`${where}: weights are not a constant int8 tensor`];
  if (wq.zeroPoint.some((z) => z !== 0)) bad.push(`${where}: weights are not symmetric (zero point 0)`);
  if ((w.data as Int8Array).some((v) => v === -128))
    bad.push(`${where}: weights use -128 (spec range is [-127, 127])`);
  if (wq.scale.length > 1 && (wq.axis !== axis || wq.scale.length !== w.dims[axis])) {
    bad.push(`${where}: weights are per-axis on dimension ${wq.axis}, the spec says ${axis}`);
  }
  const sIn = quantOf(g, inputs[at.data]!)?.scale[0];
  const b = inputs[at.bias] ? g.initializers.get(inputs[at.bias]!) : undefined;
  if (!b) return bad;
  const bq = b.quant;
  if (b.dtype !== 'int32' || !bq) return [...bad, `${where}: bias is not an int32 quantized constant`];
  const channels = b.size;
  for (let c = 0; c < channels; c++) {
    const want = sIn! * wq.scale[wq.scale.length === 1 ? 0 : c]!;
    const got = bq.scale[bq.scale.length === 1 ? 0 : c]!;
    if (Math.abs(got - want) > 1e-6 * want || (bq.zeroPoint[c] ?? 0) !== 0) {
      bad.push(`${where}: bias channel ${c} has scale ${got}, the spec says s_in * s_w = ${want}`);
      break;
    }
  }
  return bad;
}

function infoOf(g: Graph, name: string) {
  return (
    g.valueInfo.get(name) ?? g.inputs.find((v) => v.name === name) ?? g.outputs.find((v) => v.name === name)
  );
}

function quantOf(g: Graph, name: string): QParams | undefined {
  return g.quantOf(name);
}

function dtypeOf(g: Graph, name: string): string | undefined {
  const t = g.initializers.get(name)?.dtype;
  if (t) return t;
  const type = infoOf(g, name)?.type;
  return type?.kind === 'tensor' ? type.dtype : undefined;
}

function same(a: QParams | undefined, b: QParams | undefined): boolean {
  if (!a || !b) return !a && !b;
  return (
    a.scale.length === b.scale.length &&
    a.scale.every((s, i) => Math.fround(s) === Math.fround(b.scale[i]!)) &&
    a.zeroPoint.every((z, i) => z === b.zeroPoint[i])
  );
}
