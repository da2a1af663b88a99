import { attrInt } from '../../ir/attrs.js';
import { geluExact, geluTanh } from '../../ops/Gelu.js';
import { realFunctionEntry } from '../../runtime/integer/kernels/common/transcendental.js';
import { unaryKernel } from '../../runtime/integer/kernels/common/unary.js';
import { defineBuiltin } from './common/builtin.js';
import { calibrated } from './common/int8.js';
import { field, optionsTable } from './common/options.js';
import { first, inp, is } from './common/version.js';

/** GELU, exact (erf) or the tanh approximation; int8 (version 2) is a lookup table on the output's parameters. */
const kernel = unaryKernel('GELU', (cx, x, y) => {
  const f = attrInt(cx.node, 'approximate', 0) ? geluTanh : geluExact;
  return realFunctionEntry(cx, x, y, f, (v) => Math.fround(f(v)));
});

export const GELU = defineBuiltin({
  name: 'GELU',
  options: optionsTable('GeluOptions', [field('approximate', 'bool')]),
  version: first([(s) => is(inp(s, 0), 'INT8', 'UINT8'), 2]),
  int8: calibrated,
  kernel,
});
