import type { KeptSubgraph, TfliteModelExtra } from '../formats/tflite/ir-extras.js';
import { SCHEMA_VERSION } from '../formats/tflite/schema.js';
import type { Graph, Model } from '../ir/graph.js';

/** TFLite's default signature key, the one LiteRT and the TFLite converter use. */
export const SIGNATURE_KEY = 'serving_default';

/**
 * The lowered graph as a TFLite-domain model, ready for `exportTflite`: one SignatureDef naming the
 * model's inputs and outputs as the ONNX model does, and the IF branches' subgraphs after the main one.
 */
export function tfliteModel(g: Graph, source: Model, subgraphs: KeptSubgraph[] = []): Model {
  const map = (names: string[]) => names.map((name) => ({ name, value: name }));
  const extra: TfliteModelExtra = {
    metadata: [],
    metadataBuffers: [],
    signatureDefs: [
      {
        signatureKey: SIGNATURE_KEY,
        inputs: map(g.inputs.map((v) => v.name)),
        outputs: map(g.outputs.map((v) => v.name)),
      },
    ],
    ...(subgraphs.length ? { subgraphs } : {}),
  };
  return {
    format: 'tflite',
    irVersion: 0,
    opsetImports: [{ domain: 'tflite', version: SCHEMA_VERSION }],
    producerName: 'model-quant',
    doc: source.doc ?? '',
    metadata: [],
    ...(source.quantScheme ? { quantScheme: source.quantScheme } : {}),
    graph: g,
    extra: { tflite: extra },
  };
}
