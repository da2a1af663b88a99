import { reshape } from './common/reshape.js';

/** Unsqueeze -> RESHAPE (TFLite int8 spec: input and output share parameters). */
export default reshape('Unsqueeze');
