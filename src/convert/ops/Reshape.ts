import { reshape } from './common/reshape.js';

/** Reshape -> RESHAPE (TFLite int8 spec: input and output share parameters). */
export default reshape('Reshape');
