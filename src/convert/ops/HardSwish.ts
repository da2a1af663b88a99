import { unary } from './common/elementwise.js';

/** HardSwish -> HARD_SWISH. */
export default unary('HardSwish', 'HARD_SWISH');
