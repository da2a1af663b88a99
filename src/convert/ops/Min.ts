import { binary } from './common/elementwise.js';

/** Min of two inputs -> MINIMUM (TFLite int8 spec: inputs and output share parameters). */
export default binary('Min', 'MINIMUM', true, false);
