import { Graph, type Attribute, type Model } from '../../../src/ir/graph.js';
import { Tensor } from '../../../src/ir/tensor.js';
import type { DType } from '../../../src/ir/dtype.js';
import type { QParams } from '../../../src/ir/qparams.js';

export interface Q {
  scale: number | number[];
  zeroPoint?: number | number[];
  axis?: number;
}

const params = (q: Q): QParams => {
  const scale = Array.isArray(q.scale) ? q.scale : [q.scale];
  const zp = q.zeroPoint ?? 0;
  return {
    scale: Float64Array.from(scale),
    zeroPoint: Int32Array.from(Array.isArray(zp) ? zp : scale.map(() => zp)),
    axis: q.axis ?? 0,
  };
};

/** Builds small int8 tflite-domain graphs, the form the TFLite importer and the converter produce. */
export class TfliteGraphBuilder {
  readonly g = new Graph();
  private count = 0;

  /** A graph input; a null dimension is unknown until run time. */
  input(name: string, shape: (number | null)[], q?: Q, dtype: DType = 'int8'): string {
    this.g.inputs.push(this.info(name, shape, dtype, q));
    return name;
  }

  /** An intermediate or output value with its type and parameters. */
  value(name: string, shape: number[], q?: Q, dtype: DType = 'int8'): string {
    this.g.valueInfo.set(name, this.info(name, shape, dtype, q));
    return name;
  }

  constant(name: string, tensor: Tensor, q?: Q): string {
    if (q) tensor.quant = params(q);
    this.g.initializers.set(name, tensor);
    return name;
  }

  int8(name: string, dims: number[], values: ArrayLike<number>, q: Q): string {
    return this.constant(name, new Tensor('int8', dims, Int8Array.from(values)), q);
  }

  int32(name: string, dims: number[], values: ArrayLike<number>, q?: Q): string {
    return this.constant(name, new Tensor('int32', dims, Int32Array.from(values)), q);
  }

  node(
    opType: string,
    inputs: string[],
    outputs: string[],
    attrs: Record<string, number | number[]> = {},
  ): void {
    const a: Record<string, Attribute> = {};
    for (const [k, v] of Object.entries(attrs))
      a[k] = Array.isArray(v)
        ? { kind: 'ints', value: v }
        : Number.isInteger(v)
          ? { kind: 'int', value: v }
          : { kind: 'float', value: v };
    this.g.nodes.push({
      name: `${opType.toLowerCase()}_${this.count++}`,
      opType,
      domain: 'tflite',
      inputs,
      outputs,
      attrs: a,
    });
  }

  /** Marks values as graph outputs (their value info moves to the output list). */
  outputs(...names: string[]): Model {
    for (const name of names) {
      const info = this.g.valueInfo.get(name);
      if (!info) throw new Error(`builder: no value '${name}'`);
      this.g.valueInfo.delete(name);
      this.g.outputs.push(info);
    }
    return {
      format: 'tflite',
      irVersion: 0,
      opsetImports: [{ domain: 'tflite', version: 3 }],
      metadata: [],
      graph: this.g,
    };
  }

  private info(name: string, shape: (number | null)[], dtype: DType, q?: Q) {
    return {
      name,
      type: { kind: 'tensor' as const, dtype, shape },
      ...(q ? { quant: params(q) } : {}),
    };
  }
}

/** The project's seeded generator (mulberry32), so every random test input is the same on every run. */
export { rng } from '../../../src/quant/samples.js';

export function randomInt8(n: number, random: () => number, lo = -128, hi = 127): Int8Array {
  return Int8Array.from({ length: n }, () => lo + Math.floor(random() * (hi - lo + 1)));
}
