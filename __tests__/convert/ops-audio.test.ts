import { int, str } from '../../src/ir/attrs.js';
import { Tensor } from '../../src/ir/tensor.js';
import { checkOpCases, type OpCase } from './op-case.js';

/**
 * What audio models carry (Silero VAD): Pad in reflect mode -> MIRROR_PAD (REFLECT), as front-ends pad
 * their frames (64 samples reflected at each end of the window before the STFT convolution; int8 shares
 * the input's parameters); and integer arithmetic on an int64 input, which keeps its constants int64.
 */
const CASES: OpCase[] = [
  {
    name: 'Pad reflect, 2-D (a window of samples), then Mul',
    build: (b) => {
      const x = b.input('x', [1, 40]);
      const pads = b.init('pads', Tensor.int64([4], [0, 8, 0, 8]));
      const y = b.node('Pad', [x, pads], { mode: str('reflect') });
      b.output(b.node('Mul', [y, b.init('k', Tensor.float32([], [0.5]))]));
    },
    ops: ['MIRROR_PAD'],
    absent: ['PAD'],
  },
  {
    name: 'Pad reflect, 3-D, both ends of the last axis and the start of the channels',
    build: (b) => {
      const x = b.input('x', [1, 4, 16]);
      const pads = b.init('pads', Tensor.int64([6], [0, 1, 3, 0, 0, 5]));
      b.output(b.node('Pad', [x, pads], { mode: str('reflect') }));
    },
    ops: ['MIRROR_PAD'],
  },
  {
    name: 'int64 Mul by a constant, Cast, Add (state + float(sr * 0): a sample-rate input kept alive)',
    build: (b) => {
      const x = b.input('x', [2, 1, 8]);
      const sr = b.input('sr', [], 'int64');
      const zero = b.node('Mul', [sr, b.init('zero', Tensor.int64([], [0]))]);
      b.output(b.node('Add', [x, b.node('Cast', [zero], { to: int(1) })]));
    },
    ops: ['MUL', 'CAST', 'ADD'],
  },
];

checkOpCases(CASES);
