import type { DType } from '../../src/ir/dtype.js';
import { Graph, type Attribute, type Dim, type Model } from '../../src/ir/graph.js';
import { Tensor } from '../../src/ir/tensor.js';

/** ONNX opset 13 and IR version 8, what the examples target: widely supported by runtimes and converters. */
export const OPSET = 13;
export const IR_VERSION = 8;

/** A few lines per node instead of object literals: builds a Graph in execution order. */
export class GraphBuilder {
  readonly graph = new Graph();

  constructor(name: string) {
    this.graph.name = name;
  }

  input(name: string, dtype: DType, shape: Dim[]): string {
    this.graph.inputs.push({ name, type: { kind: 'tensor', dtype, shape } });
    return name;
  }

  output(name: string, dtype: DType, shape: Dim[]): void {
    this.graph.outputs.push({ name, type: { kind: 'tensor', dtype, shape } });
  }

  /** Adds a constant; the name is returned so it can be passed straight to `node`. */
  init(name: string, t: Tensor): string {
    if (this.graph.initializers.has(name)) throw new Error(`initializer '${name}' defined twice`);
    this.graph.initializers.set(name, t);
    return name;
  }

  /** Adds a node named `name` whose single output is also called `name` (unless `output` is given). */
  node(
    opType: string,
    name: string,
    inputs: string[],
    attrs: Record<string, Attribute> = {},
    output = name,
  ): string {
    this.graph.nodes.push({ name, opType, domain: '', inputs, outputs: [output], attrs });
    return output;
  }

  model(doc: string): Model {
    return {
      format: 'onnx',
      irVersion: IR_VERSION,
      opsetImports: [{ domain: '', version: OPSET }],
      // No version here: regenerating must give the same bytes whatever the package version is.
      producerName: 'model-quant examples',
      doc,
      metadata: [],
      graph: this.graph,
    };
  }
}

export function scalar(value: number): Tensor {
  return Tensor.float32([], [value]);
}

export function int64s(values: number[]): Tensor {
  return Tensor.int64([values.length], values);
}
