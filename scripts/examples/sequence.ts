import { int, ints, str } from '../../src/ir/attrs.js';
import type { Model } from '../../src/ir/graph.js';
import { Tensor } from '../../src/ir/tensor.js';
import { GraphBuilder, int64s, scalar } from './builder.js';
import { Random } from './random.js';

/**
 * Small sequence models for failure classes the published corpus has no model for (issue 15): a GRU
 * over audio-like frames, and self-attention written with Einsum as exporters of transformer layers do.
 * Every dimension is fixed, so the default command needs no --input_shape.
 */

function weights(b: GraphBuilder, r: Random) {
  return (name: string, dims: number[], scale: number) =>
    b.init(
      name,
      Tensor.float32(
        dims,
        Array.from({ length: dims.reduce((a, c) => a * c, 1) }, () => scale * r.normal()),
      ),
    );
}

/** frames [8, 1, 16] -> MatMul + Relu -> GRU (hidden 12) -> MatMul head -> logits [8, 4]. */
export function buildGru(seed = 3): Model {
  const b = new GraphBuilder('gru_frames');
  const w = weights(b, new Random(seed));
  const [steps, features, hidden] = [8, 16, 12];
  const x = b.input('frames', 'float32', [steps, 1, features]);
  const proj = b.node('Relu', 'proj_relu', [b.node('MatMul', 'proj', [x, w('proj_w', [features, 16], 0.3)])]);
  // ONNX GRU weights: W [1, 3H, I], R [1, 3H, H], B [1, 6H] (gates z, r, h).
  const y = b.node(
    'GRU',
    'gru',
    [
      proj,
      w('gru_w', [1, 3 * hidden, 16], 0.3),
      w('gru_r', [1, 3 * hidden, hidden], 0.3),
      w('gru_b', [1, 6 * hidden], 0.1),
    ],
    { hidden_size: int(hidden) },
  );
  const flat = b.node('Reshape', 'flatten', [y, b.init('flat_shape', int64s([steps, hidden]))]);
  const logits = b.node('MatMul', 'head', [flat, w('head_w', [hidden, 4], 0.4)]);
  b.node('Add', 'head_bias', [logits, w('head_b', [4], 0.1)], {}, 'logits');
  b.output('logits', 'float32', [steps, 4]);
  return b.model('A GRU over feature frames between two dense layers (issue 15 failure class: GRU).');
}

/**
 * tokens [1, 6, 16] -> Einsum projections ('bid,jd->bij') -> two heads of scaled dot-product attention
 * ('bhid,bhjd->bhij', Softmax, 'bhij,bhjd->bhid') -> Einsum output projection -> [1, 6, 16].
 */
export function buildAttention(seed = 4): Model {
  const b = new GraphBuilder('einsum_attention');
  const w = weights(b, new Random(seed));
  const [tokens, width, heads] = [6, 16, 2];
  const dh = width / heads;
  const x = b.input('tokens', 'float32', [1, tokens, width]);
  const project = (name: string, input: string) =>
    b.node('Einsum', name, [input, w(`${name}_w`, [width, width], 0.25)], { equation: str('bid,jd->bij') });
  const split = (name: string) =>
    b.node(
      'Transpose',
      `${name}_heads`,
      [
        b.node('Reshape', `${name}_split`, [
          project(name, x),
          b.init(`${name}_shape`, int64s([1, tokens, heads, dh])),
        ]),
      ],
      { perm: ints([0, 2, 1, 3]) },
    );
  const [q, k, v] = [split('q'), split('k'), split('v')];
  const scores = b.node('Einsum', 'scores', [q, k], { equation: str('bhid,bhjd->bhij') });
  const scaled = b.node('Mul', 'scale', [scores, b.init('inv_sqrt_dh', scalar(1 / Math.sqrt(dh)))]);
  const p = b.node('Softmax', 'attention', [scaled], { axis: int(-1) });
  const mixed = b.node('Einsum', 'mix', [p, v], { equation: str('bhij,bhjd->bhid') });
  const merged = b.node('Reshape', 'merge', [
    b.node('Transpose', 'merge_heads', [mixed], { perm: ints([0, 2, 1, 3]) }),
    b.init('merge_shape', int64s([1, tokens, width])),
  ]);
  b.node('Einsum', 'out', [merged, w('out_w', [width, width], 0.25)], { equation: str('bid,jd->bij') }, 'y');
  b.output('y', 'float32', [1, tokens, width]);
  return b.model('Two-head self-attention written with Einsum (issue 15 failure class: Einsum attention).');
}
