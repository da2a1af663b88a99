import { unary } from './common/elementwise.js';

/** Exp -> EXP. */
export default unary('Exp', 'EXP');
