import { expect, it } from 'vitest';
import { convertModel } from '../../src/convert/index.js';
import { int, ints } from '../../src/ir/attrs.js';
import { Tensor } from '../../src/ir/tensor.js';
import { GraphBuilder } from '../helpers/graphs.js';
import { relativeError, runOnnx, runTflite, writeTfliteFile } from './helpers.js';

/**
 * The shape arithmetic exporters leave around a Reshape (Shape -> Gather -> Mul -> Unsqueeze -> Concat)
 * on an input with dynamic dimensions: once the input shape is known, the converter folds it to a
 * constant and the .tflite holds one RESHAPE, checked in LiteRT against ONNX Runtime.
 */
it('Shape/Gather/Mul/Unsqueeze/Concat feeding a Reshape fold to constants once input shapes are known', async () => {
  const b = new GraphBuilder(7);
  const x = b.input('x', ['N', 6, 'L']);
  const shape = b.node('Shape', [x]);
  const dim = (i: number) =>
    b.node('Gather', [shape, b.init(`i${i}`, Tensor.int64([], [i]))], { axis: int(0) });
  const flat = b.node('Mul', [dim(1), dim(2)]);
  const unsq = (v: string) => b.node('Unsqueeze', [v, b.init(`ax_${v}`, Tensor.int64([1], [0]))]);
  const target = b.node('Concat', [unsq(dim(0)), unsq(flat)], { axis: int(0) });
  const y = b.node('Reshape', [b.node('Relu', [x]), target]);
  b.output(b.node('ReduceMax', [y], { axes: ints([1]), keepdims: int(0) }));
  const model = b.model(13);
  const { model: tfl } = convertModel(model, { inputShapes: new Map([['x', [2, 6, 16]]]) });
  const ops = tfl.graph.nodes.map((n) => n.opType);
  expect(ops.filter((o) => ['SHAPE', 'GATHER', 'CONCATENATION', 'CUSTOM'].includes(o))).toEqual([]);
  expect(ops).toContain('RESHAPE');
  const data = Float32Array.from({ length: 2 * 6 * 16 }, (_, i) => Math.sin(i * 0.37));
  const feeds = [{ x: Tensor.float32([2, 6, 16], data) }];
  const bytes = writeTfliteFile(tfl, 'shape_chain');
  expect(relativeError(await runOnnx(model, feeds), await runTflite(bytes, tfl, feeds))).toBeLessThan(1e-5);
}, 60_000);
