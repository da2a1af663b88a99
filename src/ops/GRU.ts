import { attrInt } from '../ir/attrs.js';
import { rnnShapes } from '../convert/lowering/rnn-shapes.js';
import {
  fc,
  gates,
  initialState,
  inputProjections,
  op,
  rnnOf,
  writeOutputs,
} from '../convert/lowering/rnn.js';
import type { TfliteLowering } from '../convert/lowering/types.js';
import type { OpDescriptor } from './types.js';

/**
 * GRU (gates z, r, h in W/R/B order) unrolled (src/convert/lowering/rnn.ts): z, r = sigmoid(x W + h R +
 * Wb + Rb); h~ = tanh(x Wh + (r * h) Rh + Rbh + Wbh), or with linear_before_reset
 * tanh(x Wh + Wbh + r * (h Rh + Rbh)); h' = (1 - z) * h~ + z * h = h~ + z * (h - h~).
 */
const tflite = {
  layout: 'logical',
  int8: false,
  lower(node, cx) {
    const n = rnnOf(node, cx, 3, ['Sigmoid', 'Tanh']);
    const H = n.h;
    // Rb of z and r adds like Wb; Rb of h sits inside the reset product.
    const bias = n.wb.map((v, k) => (k < 2 * H ? v + n.rb[k]! : v));
    const linearBeforeReset = attrInt(node, 'linear_before_reset', 0) !== 0;
    const xs = inputProjections(n, bias);
    let h = initialState(n, 5, 'h');
    const hs: string[] = [];
    xs.forEach((x, s) => {
      const [xz, xr, xh] = gates(n, x, 3, `xgate_${s}`) as [string, string, string];
      const rec = fc(n, h, n.r, [0, 2 * H], new Float32Array(2 * H), `rec_zr_${s}`);
      const [hz, hr] = gates(n, rec, 2, `hgate_${s}`) as [string, string];
      const z = op(n, 'LOGISTIC', [op(n, 'ADD', [xz, hz], `z_in_${s}`)], `z_${s}`);
      const r = op(n, 'LOGISTIC', [op(n, 'ADD', [xr, hr], `r_in_${s}`)], `r_${s}`);
      const rbh = n.rb.slice(2 * H);
      const hh = linearBeforeReset
        ? op(n, 'MUL', [r, fc(n, h, n.r, [2 * H, 3 * H], rbh, `rec_h_${s}`)], `rh_${s}`)
        : fc(n, op(n, 'MUL', [r, h], `rh_in_${s}`), n.r, [2 * H, 3 * H], rbh, `rec_h_${s}`);
      const ht = op(n, 'TANH', [op(n, 'ADD', [xh, hh], `h_in_${s}`)], `ht_${s}`);
      h = op(n, 'ADD', [ht, op(n, 'MUL', [z, op(n, 'SUB', [h, ht], `d_${s}`)], `zd_${s}`)], `h_${s}`);
      hs.push(h);
    });
    writeOutputs(n, hs, [h]);
  },
} satisfies TfliteLowering;

/** GRU: X [T, B, I], W [D, 3H, I], R [D, 3H, H], B [D, 6H] -> Y, Y_h. Stays float when quantized. */
export default {
  opType: 'GRU',
  inferShapes: rnnShapes,
  tflite,
} satisfies OpDescriptor;
