import type { OpDescriptor } from './types.js';
import type { TfliteLowering } from '../convert/lowering/types.js';

/**
 * If -> TFLite IF. By the time it is lowered, src/convert/control-flow.ts has converted its branches to
 * subgraphs of the file (their indices in the node's attributes) and made the outer values they read
 * explicit inputs after the condition. IF runs float: int8 operands are read dequantized, and an output
 * the QDQ graph quantizes gets a QUANTIZE after it (the branches quantize inside themselves).
 */
const tflite: TfliteLowering = {
  layout: 'logical',
  int8: false,
  lower(node, cx) {
    const then = node.attrs.then_subgraph_index;
    const otherwise = node.attrs.else_subgraph_index;
    if (then?.kind !== 'int' || otherwise?.kind !== 'int')
      throw new Error(`If '${node.name}': its branches were not converted to TFLite subgraphs`);
    cx.emit(
      'IF',
      node.inputs.map((_, i) => cx.input(i)),
      node.outputs.map((_, i) => cx.output(i)),
      { then_subgraph_index: then, else_subgraph_index: otherwise },
    );
  },
};

export default {
  opType: 'If',
  tflite,
} satisfies OpDescriptor;
