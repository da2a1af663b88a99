import { ints } from '../../src/ir/attrs.js';
import type { Model } from '../../src/ir/graph.js';
import { Tensor } from '../../src/ir/tensor.js';
import { GraphBuilder, int64s, scalar } from './builder.js';
import { Random } from './random.js';

const TO_NCHW = ints([0, 3, 1, 2]);
const TO_NHWC = ints([0, 2, 3, 1]);

/**
 * A small model as tf2onnx writes a Keras CNN: an NHWC image input, each Conv wrapped in a Transpose pair
 * (NHWC -> NCHW -> Conv -> NHWC), the per-channel scale/shift of folded BatchNorms and a residual Add in
 * NHWC between them, and a MatMul head over the channels. `size` is H = W, `seed` draws the weights.
 */
export function buildTfOrigin(size = 16, seed = 1): Model {
  const r = new Random(seed);
  const b = new GraphBuilder('tf_origin_cnn');
  const w = (name: string, dims: number[], scale: number) =>
    b.init(
      name,
      Tensor.float32(
        dims,
        Array.from({ length: dims.reduce((a, c) => a * c, 1) }, () => scale * r.normal()),
      ),
    );
  const conv = (name: string, x: string, cin: number, cout: number, stride: number) => {
    const t = b.node('Transpose', `${name}_to_nchw`, [x], { perm: TO_NCHW });
    const k = Math.sqrt(2 / (9 * cin));
    const y = b.node('Conv', name, [t, w(`${name}_w`, [cout, cin, 3, 3], k), w(`${name}_b`, [cout], 0.1)], {
      kernel_shape: ints([3, 3]),
      pads: ints([1, 1, 1, 1]),
      strides: ints([stride, stride]),
    });
    return b.node('Transpose', `${name}_to_nhwc`, [b.node('Relu', `${name}_relu`, [y])], { perm: TO_NHWC });
  };
  const x = b.input('input_1', 'float32', ['unk__6', size, size, 3]);
  // Keras' Rescaling layer (pixels in [0, 255] to [-1, 1]), in NHWC before the first Transpose.
  const scaledIn = b.node('Mul', 'rescale', [x, b.init('rescale_k', scalar(1 / 127.5))]);
  const centred = b.node('Sub', 'recentre', [scaledIn, b.init('recentre_k', scalar(1))]);
  const c1 = conv('conv1', centred, 3, 8, 1);
  const scaled = b.node('Mul', 'bn1_scale', [c1, w('bn1_gamma', [8], 0.2)]);
  const shifted = b.node('Add', 'bn1_shift', [scaled, w('bn1_beta', [8], 0.1)]);
  const c2 = conv('conv2', shifted, 8, 8, 1);
  const res = b.node('Add', 'residual', [c2, shifted]);
  // The last block stays NCHW (no Transpose back), flattened in NCHW order into the head.
  const t3 = b.node('Transpose', 'conv3_to_nchw', [res], { perm: TO_NCHW });
  const c3 = b.node('Conv', 'conv3', [t3, w('conv3_w', [16, 8, 3, 3], 0.17), w('conv3_b', [16], 0.1)], {
    kernel_shape: ints([3, 3]),
    pads: ints([1, 1, 1, 1]),
    strides: ints([4, 4]),
  });
  const flat = b.node('Reshape', 'flatten', [
    b.node('Relu', 'conv3_relu', [c3]),
    b.init('flat_shape', int64s([1, -1])),
  ]);
  const q = size / 4;
  const logits = b.node('MatMul', 'dense', [flat, w('dense_w', [16 * q * q, 10], 0.1)]);
  b.node('Add', 'dense_bias', [logits, w('dense_b', [10], 0.1)], {}, 'logits');
  b.output('logits', 'float32', ['unk__7', 10]);
  // A feature map out in NHWC, as TF segmentation/feature models have (at size 8: H = W = C).
  b.output('residual', 'float32', ['unk__7', size, size, 8]);
  return b.model('A TensorFlow-origin (tf2onnx-style) CNN: NHWC input, Transpose pairs around each Conv.');
}
