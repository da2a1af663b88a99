import { alias } from './common/reshape.js';

/** Identity: the same tensor. */
export default alias('Identity');
