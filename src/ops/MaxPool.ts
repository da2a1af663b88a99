import { shapeOf, tensorType, withShape } from './common/shape.js';
import { pooledShape } from './common/window.js';
import type { OpDescriptor } from './types.js';
import { passThrough } from './common/quant.js';
import { poolLowering } from '../convert/lowering/pool.js';

/** MaxPool -> MAX_POOL_2D (TFLite int8 spec: input and output share parameters). */
const tflite = poolLowering('MaxPool', 'MAX_POOL_2D');

/** MaxPool's optional second output holds int64 indices. */
export default {
  opType: 'MaxPool',
  inferShapes: (node, ctx) => {
    const shape = pooledShape(node, shapeOf(ctx.inputTypes[0]));
    return [withShape(ctx.inputTypes[0], shape), tensorType('int64', shape)];
  },
  quant: passThrough,
  tflite,
  nonNegative: 'if-input',
  positivelyHomogeneous: true,
  int16: true,
} satisfies OpDescriptor;
