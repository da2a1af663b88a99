import { binary } from './common/elementwise.js';

/** Max of two inputs -> MAXIMUM (TFLite int8 spec: inputs and output share parameters). */
export default binary('Max', 'MAXIMUM', true, false);
