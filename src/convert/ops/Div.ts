import { binary } from './common/elementwise.js';

/** Div -> DIV. TFLite has no int8 DIV kernel, so it runs float (as the QDQ graph leaves it). */
export default binary('Div', 'DIV', false);
