import { int } from '../src/ir/attrs.js';
import { Graph, type Model } from '../src/ir/graph.js';
import { Tensor } from '../src/ir/tensor.js';

/** Width of each Gemm: 2048x2048 float32 weights are 16.8 MB, so about 12 of them make 200 MB. */
const WIDTH = 2048;

/**
 * A chain of Gemm + Relu layers whose float32 weights add up to about `bytes`: the shape of a large
 * MLP, with all of its size in initializers, which is what import and export spend their memory on.
 */
export function makeLargeModel(bytes: number): Model {
  const layers = Math.max(1, Math.round(bytes / (WIDTH * WIDTH * 4)));
  const g = new Graph();
  g.name = 'large_mlp';
  g.inputs.push({ name: 'x', type: { kind: 'tensor', dtype: 'float32', shape: [1, WIDTH] } });
  let x = 'x';
  let seed = 0x2545f491;
  for (let l = 0; l < layers; l++) {
    const w = new Float32Array(WIDTH * WIDTH);
    // xorshift32: a fast fill, so the weights are not all zeros (they are never run, only moved).
    for (let i = 0; i < w.length; i++) {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      w[i] = (seed | 0) / 2 ** 31 / WIDTH;
    }
    g.initializers.set(`fc${l}.weight`, new Tensor('float32', [WIDTH, WIDTH], w));
    g.initializers.set(`fc${l}.bias`, Tensor.float32([WIDTH], new Float32Array(WIDTH)));
    const y = `fc${l}`;
    g.nodes.push({
      name: y,
      opType: 'Gemm',
      domain: '',
      inputs: [x, `fc${l}.weight`, `fc${l}.bias`],
      outputs: [y],
      attrs: { transB: int(1) },
    });
    x = `relu${l}`;
    g.nodes.push({ name: x, opType: 'Relu', domain: '', inputs: [y], outputs: [x], attrs: {} });
  }
  g.outputs.push({ name: x, type: { kind: 'tensor', dtype: 'float32', shape: [1, WIDTH] } });
  return {
    format: 'onnx',
    irVersion: 8,
    opsetImports: [{ domain: '', version: 13 }],
    metadata: [],
    graph: g,
  };
}
