import { shapeOf, withShape } from './common/shape.js';
import type { OpDescriptor } from './types.js';
import { first } from './common/quant.js';
import { reduceLowering } from '../convert/lowering/reduce.js';

/** GlobalAveragePool -> MEAN over the spatial axes, kept as 1s; any layout. */
const tflite = reduceLowering('MEAN', (rank) => Array.from({ length: rank - 2 }, (_, i) => i + 2));

/**
 * [N, C, ...spatial] -> [N, C, 1, ...]. int8: the output scale is its own (a mean's range is narrower than
 * its input's), chosen so that no mean lands on a rounding tie ('mean', src/quant/tie-free.ts).
 */
export default {
  opType: 'GlobalAveragePool',
  inferShapes: (_node, ctx) => {
    const x = shapeOf(ctx.inputTypes[0]);
    return [withShape(ctx.inputTypes[0], x ? x.map((d, i) => (i < 2 ? d : 1)) : undefined)];
  },
  quant: { activations: first, output: 'mean' },
  tflite,
  nonNegative: 'if-input',
  positivelyHomogeneous: true,
} satisfies OpDescriptor;
