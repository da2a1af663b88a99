import { reshape } from './common/reshape.js';

/** Flatten -> RESHAPE (TFLite int8 spec: input and output share parameters). */
export default reshape('Flatten');
