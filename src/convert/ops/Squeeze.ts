import { reshape } from './common/reshape.js';

/** Squeeze -> RESHAPE (TFLite int8 spec: input and output share parameters). */
export default reshape('Squeeze');
