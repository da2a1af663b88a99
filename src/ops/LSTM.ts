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
 * LSTM (gates i, o, f, c in W/R/B order) unrolled (src/convert/lowering/rnn.ts):
 * c' = f * c + i * g, h' = o * tanh(c'), with i, o, f = sigmoid(x W + h R + Wb + Rb), g = tanh(...).
 */
const tflite = {
  layout: 'logical',
  int8: false,
  lower(node, cx) {
    const n = rnnOf(node, cx, 4, ['Sigmoid', 'Tanh', 'Tanh']);
    const bias = n.wb.map((v, k) => v + n.rb[k]!);
    const xs = inputProjections(n, bias);
    let [h, c] = [initialState(n, 5, 'h'), initialState(n, 6, 'c')];
    const hs: string[] = [];
    xs.forEach((x, s) => {
      const rec = fc(n, h, n.r, [0, 4 * n.h], new Float32Array(4 * n.h), `rec_${s}`);
      const sum = n.cx.addValue(`${n.name}_gates_${s}`, 'float32', [n.b, 4 * n.h]);
      cx.emit('ADD', [x, rec], [sum], { fused_activation_function: { kind: 'int', value: 0 } });
      const [gi, go, gf, gc] = gates(n, sum, 4, `gate_${s}`) as [string, string, string, string];
      const [i, o, f] = [gi, go, gf].map((g, k) => op(n, 'LOGISTIC', [g], `sig${k}_${s}`)) as [
        string,
        string,
        string,
      ];
      const g = op(n, 'TANH', [gc], `g_${s}`);
      c = op(n, 'ADD', [op(n, 'MUL', [f, c], `fc_${s}`), op(n, 'MUL', [i, g], `ig_${s}`)], `c_${s}`);
      h = op(n, 'MUL', [o, op(n, 'TANH', [c], `tanh_c_${s}`)], `h_${s}`);
      hs.push(h);
    });
    writeOutputs(n, hs, [h, c]);
  },
} satisfies TfliteLowering;

/** LSTM: X [T, B, I], W [D, 4H, I], R [D, 4H, H], B [D, 8H] -> Y, Y_h, Y_c. Stays float when quantized. */
export default {
  opType: 'LSTM',
  inferShapes: rnnShapes,
  tflite,
} satisfies OpDescriptor;
