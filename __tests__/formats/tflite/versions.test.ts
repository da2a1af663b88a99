import { describe, expect, it } from 'vitest';
import type { TensorTypeName } from '../../../src/formats/tflite/schema.js';
import { opVersion, type TensorSig } from '../../../src/formats/tflite/versions.js';

const t = (type: TensorTypeName, scales = 0, shape = [1, 8, 8, 4], scale?: number): TensorSig => ({
  type,
  shape,
  scales,
  scale,
});
const F = t('FLOAT32');
const Q = t('INT8', 1);

// [op, inputs, outputs, options, version] as op_version.cc assigns them.
const CASES: [string, TensorSig[], TensorSig[], Record<string, number | boolean>, number][] = [
  ['CONV_2D', [F, F, F], [F], {}, 1],
  ['CONV_2D', [Q, t('INT8', 4), t('INT32', 4)], [Q], {}, 3],
  ['CONV_2D', [F, t('INT8', 4)], [F], {}, 5],
  ['CONV_2D', [F, t('INT8', 1)], [F], {}, 2],
  ['CONV_2D', [t('FLOAT32', 0, [1, 8, 8, 8]), t('FLOAT32', 0, [4, 3, 3, 4])], [F], {}, 6],
  ['DEPTHWISE_CONV_2D', [Q, Q], [Q], {}, 3],
  ['DEPTHWISE_CONV_2D', [F, F], [F], { dilation_w_factor: 2, dilation_h_factor: 1 }, 2],
  ['DEPTHWISE_CONV_2D', [F, F], [F], { dilation_w_factor: 1, dilation_h_factor: 1 }, 1],
  ['FULLY_CONNECTED', [Q, Q, t('INT32', 1)], [Q], {}, 4],
  ['FULLY_CONNECTED', [Q, Q], [Q], {}, 6],
  ['FULLY_CONNECTED', [F, F, F], [F], { keep_num_dims: true }, 5],
  ['TRANSPOSE_CONV', [t('INT32'), Q, Q], [Q], {}, 2],
  ['TRANSPOSE_CONV', [t('INT32'), F, F, F], [F], {}, 3],
  ['ADD', [Q, Q], [Q], {}, 2],
  ['MUL', [t('INT8', 1, [4], 0.5), t('INT8', 1, [4], 0.5)], [t('INT8', 1, [4], 0.25)], {}, 3],
  ['MUL', [t('INT8', 1, [4], 0.5), t('INT8', 1, [4], 0.5)], [t('INT8', 1, [4], 0.5)], {}, 2],
  ['SOFTMAX', [Q], [Q], { beta: 1 }, 2],
  ['MEAN', [t('INT16', 1)], [t('INT16', 1)], {}, 3],
  ['LOGISTIC', [Q], [Q], {}, 2],
  ['RESIZE_BILINEAR', [F, t('INT32')], [F], { half_pixel_centers: true }, 3],
  ['RESIZE_BILINEAR', [Q, t('INT32')], [Q], { half_pixel_centers: false }, 2],
  ['TRANSPOSE', [t('FLOAT32', 0, [1, 2, 3, 4, 5])], [F], {}, 4],
  ['STRIDED_SLICE', [Q], [Q], { offset: true }, 8],
  ['QUANTIZE', [F], [t('INT8', 4)], {}, 3],
  ['QUANTIZE', [F], [Q], {}, 1],
  ['DEQUANTIZE', [t('FLOAT16')], [F], {}, 3],
  ['DEQUANTIZE', [Q], [F], {}, 2],
  ['HARD_SWISH', [Q], [Q], {}, 1],
  ['CUSTOM', [Q], [Q], {}, 1],
];

describe('TFLite operator versions', () => {
  it.each(CASES)('%s %#', (op, inputs, outputs, options, version) => {
    expect(opVersion(op, { inputs, outputs, options })).toBe(version);
  });
});
