import { UnsupportedOpError } from '../errors.js';
import { subgraphsOf, type Graph } from '../ir/graph.js';
import { loweredOps } from '../ops/index.js';

/**
 * The converter writes one TFLite subgraph: a node with subgraphs of its own (If, Loop, Scan) has no
 * lowering, and is named before any op inside or around it, so that the report says what truly keeps
 * the .tflite from being written (silero_vad's If on the sample rate, not the Equal that feeds it).
 */
export function refuseControlFlow(g: Graph): void {
  const node = g.nodes.find((n) => subgraphsOf(n).length > 0);
  if (!node) return;
  throw new UnsupportedOpError(
    node.name || node.outputs[0] || '',
    node.opType,
    loweredOps(),
    'in ONNX to TFLite conversion (control flow: the .tflite would need TFLite IF/WHILE subgraphs, which the converter does not write)',
  );
}
