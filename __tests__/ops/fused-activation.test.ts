import { describe, expect, it } from 'vitest';
import { convertModel } from '../../src/convert/index.js';
import { float, ints } from '../../src/ir/attrs.js';
import type { Model } from '../../src/ir/graph.js';
import { Tensor } from '../../src/ir/tensor.js';
import { annotateActivations, fusedActivationOf } from '../../src/passes/annotate-activations.js';
import { quantizeFloatModel } from '../../src/quant/quantize.js';
import { isFusableActivation } from '../../src/quant/rules.js';
import { concreteInputShapes, syntheticSamples } from '../../src/quant/samples.js';
import {
  agreement,
  feedsOf,
  outputSteps,
  runOnnx,
  runTflite,
  settings,
  writeTfliteFile,
} from '../convert/helpers.js';
import { GraphBuilder } from '../helpers/graphs.js';
import { runPass } from '../helpers/passes.js';

/**
 * "Can this activation fuse into the Conv before it?" has one answer, TFLite's: its
 * fused_activation_function is NONE, RELU, RELU_N1_TO_1 or RELU6 (schema.fbs ActivationFunctionType,
 * codes 0..3), nothing else. The quantizer (the Conv output takes the activation's range), the
 * optimizer's annotation and the converter (one CONV_2D carrying the code) must all give it: they once
 * disagreed on Clip(0, 3) (the quantizer fused it) and Clip(-1, 1) (the annotation did not).
 */
const TFLITE_CODE = { RELU: 1, RELU_N1_TO_1: 2, RELU6: 3 } as const;
type Kind = keyof typeof TFLITE_CODE;

interface Case {
  name: string;
  /** The activation node reading the Conv's output `y`. */
  act: (b: GraphBuilder, y: string) => string;
  /** What TFLite fuses it as; undefined: it stays a separate op. */
  fused: Kind | undefined;
  opset?: number;
}

const bound = (b: GraphBuilder, name: string, v: number) => b.init(name, Tensor.float32([], [v]));
const clip = (lo: number, hi?: number) => (b: GraphBuilder, y: string) =>
  b.node('Clip', hi === undefined ? [y, bound(b, 'lo', lo)] : [y, bound(b, 'lo', lo), bound(b, 'hi', hi)]);

const CASES: Case[] = [
  { name: 'Relu', act: (b, y) => b.node('Relu', [y]), fused: 'RELU' },
  { name: 'Clip(0, 6)', act: clip(0, 6), fused: 'RELU6' },
  { name: 'Clip(0, +inf)', act: clip(0), fused: 'RELU' },
  { name: 'Clip(-1, 1)', act: clip(-1, 1), fused: 'RELU_N1_TO_1' },
  { name: 'Clip(0, 3)', act: clip(0, 3), fused: undefined },
  { name: 'Clip(-1, 6)', act: clip(-1, 6), fused: undefined },
  {
    name: 'Clip(0, 3) as opset-9 attributes',
    act: (b, y) => b.node('Clip', [y], { min: float(0), max: float(3) }),
    fused: undefined,
    opset: 9,
  },
  { name: 'LeakyRelu', act: (b, y) => b.node('LeakyRelu', [y], { alpha: float(0.1) }), fused: undefined },
];

function convThen(c: Case): { model: Model; act: string } {
  const b = new GraphBuilder(11);
  const x = b.input('x', [1, 3, 8, 8]);
  const y = b.node('Conv', [x, b.weight('w', [4, 3, 3, 3]), b.weight('bias', [4])], {
    pads: ints([1, 1, 1, 1]),
  });
  const act = c.act(b, y);
  b.output(act);
  return { model: b.model(c.opset ?? 13), act };
}

describe.each(CASES)('$name after a Conv', (c) => {
  it('the quantizer and the optimizer annotation agree with TFLite', async () => {
    const { model, act } = convThen(c);
    const node = model.graph.nodes.find((n) => n.outputs[0] === act)!;
    expect(isFusableActivation(node, model.graph)).toBe(c.fused !== undefined);
    const { after } = await runPass(annotateActivations, model);
    expect(fusedActivationOf(after.graph.nodes.find((n) => n.opType === 'Conv')!)).toBe(c.fused);
  });

  it('the converter fuses it exactly when TFLite can, and LiteRT matches the QDQ graph', async () => {
    const { model } = convThen(c);
    const source = () =>
      syntheticSamples(model.graph, 6, concreteInputShapes(model.graph, new Map()), new Map());
    const qdq = (await quantizeFloatModel(model, settings('affine'), source())).model;
    const { model: tfl } = convertModel(qdq);
    const conv = tfl.graph.nodes.find((n) => n.opType === 'CONV_2D')!;
    const code = conv.attrs.fused_activation_function;
    expect(code?.kind === 'int' ? code.value : undefined).toBe(c.fused ? TFLITE_CODE[c.fused] : 0);
    const rest = tfl.graph.nodes.filter(
      (n) => !['CONV_2D', 'QUANTIZE', 'DEQUANTIZE', 'TRANSPOSE'].includes(n.opType),
    );
    expect(rest.length > 0).toBe(c.fused === undefined);
    const bytes = writeTfliteFile(tfl, `fused_${c.name}`);
    const feeds = await feedsOf(source());
    const [ref, got] = [await runOnnx(qdq, feeds), await runTflite(bytes, tfl, feeds)];
    expect(agreement(ref, got, outputSteps(qdq)).withinOneStep).toBeGreaterThanOrEqual(0.99);
  }, 60_000);
});
