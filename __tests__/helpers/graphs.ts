import type { Attribute, Dim, Model } from '../../src/ir/graph.js';
import { Graph } from '../../src/ir/graph.js';
import type { DType } from '../../src/ir/dtype.js';
import { Tensor } from '../../src/ir/tensor.js';
import { rng } from '../../src/quant/samples.js';

/** The project's seeded generator (mulberry32), so every random test input is the same on every run. */
export { rng };

/** A float32 tensor of uniform values in [lo, hi). */
export function randomTensor(dims: number[], random: () => number, lo = -1, hi = 1): Tensor {
  const n = dims.reduce((a, b) => a * b, 1);
  return Tensor.float32(
    dims,
    Array.from({ length: n }, () => lo + (hi - lo) * random()),
  );
}

/** Builds small graphs for tests: `b.node('Conv', [x, w])` returns the output name. */
export class GraphBuilder {
  readonly g = new Graph();
  readonly random: () => number;
  private count = 0;

  constructor(seed = 1) {
    this.random = rng(seed);
    this.g.name = 'test';
  }

  input(name: string, shape: Dim[], dtype: DType = 'float32'): string {
    this.g.inputs.push({ name, type: { kind: 'tensor', dtype, shape } });
    return name;
  }

  init(name: string, t: Tensor): string {
    this.g.initializers.set(name, t);
    return name;
  }

  /** A random float32 initializer; `lo`/`hi` bound the values (e.g. positive variances). */
  weight(name: string, dims: number[], lo = -1, hi = 1): string {
    return this.init(name, randomTensor(dims, this.random, lo, hi));
  }

  /** Random BatchNormalization parameters for `c` channels: [scale, B, mean, var]. */
  bnParams(prefix: string, c: number): string[] {
    return [
      this.weight(`${prefix}_scale`, [c], 0.5, 1.5),
      this.weight(`${prefix}_bias`, [c]),
      this.weight(`${prefix}_mean`, [c]),
      this.weight(`${prefix}_var`, [c], 0.2, 2),
    ];
  }

  nodeN(
    opType: string,
    inputs: string[],
    outputs: number,
    attrs: Record<string, Attribute> = {},
    domain = '',
  ): string[] {
    const name = `${opType.toLowerCase()}_${this.count++}`;
    const outs = Array.from({ length: outputs }, (_, i) => (i === 0 ? name : `${name}_${i}`));
    this.g.nodes.push({ name, opType, domain, inputs, outputs: outs, attrs });
    return outs;
  }

  node(opType: string, inputs: string[], attrs: Record<string, Attribute> = {}, domain = ''): string {
    return this.nodeN(opType, inputs, 1, attrs, domain)[0]!;
  }

  output(name: string, dtype: DType = 'float32', shape?: Dim[]): void {
    this.g.outputs.push({ name, type: { kind: 'tensor', dtype, shape } });
  }

  model(opset = 13): Model {
    return {
      format: 'onnx',
      irVersion: 8,
      opsetImports: [{ domain: '', version: opset }],
      metadata: [],
      graph: this.g,
    };
  }
}

/** Node count per op type, e.g. `{ Conv: 2, Relu: 1 }`. */
export function opCounts(g: Graph): Record<string, number> {
  const out: Record<string, number> = {};
  for (const n of g.nodes) out[n.opType] = (out[n.opType] ?? 0) + 1;
  return out;
}
