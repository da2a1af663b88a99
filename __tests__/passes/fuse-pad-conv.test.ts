import { describe, expect, it } from 'vitest';
import { float, ints, str } from '../../src/ir/attrs.js';
import { Tensor } from '../../src/ir/tensor.js';
import { fusePadIntoConv } from '../../src/passes/fuse-pad-conv.js';
import { GraphBuilder, opCounts } from '../helpers/graphs.js';
import { runPass } from '../helpers/passes.js';

function padConv(opset: number, pads: number[], opts: { value?: number; mode?: string } = {}) {
  const b = new GraphBuilder();
  const x = b.input('x', [1, 3, 6, 6]);
  const pad =
    opset < 11
      ? b.node('Pad', [x], {
          pads: ints(pads),
          value: float(opts.value ?? 0),
          mode: str(opts.mode ?? 'constant'),
        })
      : b.node(
          'Pad',
          [x, b.init('p', Tensor.int64([8], pads)), b.init('v', Tensor.float32([], [opts.value ?? 0]))],
          {
            mode: str(opts.mode ?? 'constant'),
          },
        );
  b.output(b.node('Conv', [pad, b.weight('w', [2, 3, 3, 3])], { pads: ints([1, 0, 1, 0]) }));
  return b.model(opset);
}

describe('fusePadIntoConv', () => {
  it('moves a zero Pad of the spatial axes into the Conv pads (Pad-2 attributes and Pad-11 inputs)', async () => {
    for (const opset of [9, 13]) {
      const { after, stats } = await runPass(fusePadIntoConv, padConv(opset, [0, 0, 1, 2, 0, 0, 2, 0]));
      expect(opCounts(after.graph)).toEqual({ Conv: 1 });
      expect(stats).toEqual({ 'fuse-pad-into-conv': 1 });
      expect(after.graph.nodes[0]!.attrs.pads).toEqual(ints([2, 2, 3, 0]));
    }
  });

  it('keeps non-zero values, reflect mode, batch pads and negative pads', async () => {
    const cases = [
      padConv(13, [0, 0, 1, 1, 0, 0, 1, 1], { value: 1 }),
      padConv(13, [0, 0, 1, 1, 0, 0, 1, 1], { mode: 'reflect' }),
      padConv(13, [1, 0, 1, 1, 0, 0, 1, 1]),
      padConv(13, [0, 0, -1, 1, 0, 0, 1, 1]),
    ];
    for (const m of cases) {
      const { after } = await runPass(fusePadIntoConv, m);
      expect(opCounts(after.graph).Pad).toBe(1);
    }
  });
});
