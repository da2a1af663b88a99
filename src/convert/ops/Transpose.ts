import { alias } from './common/reshape.js';

/** Transpose: relabels the layout (src/convert/layout.ts); a TRANSPOSE appears only where a reader needs one. */
export default alias('Transpose');
