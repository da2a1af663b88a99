import { UnsupportedOpError } from '../../errors.js';
import { clampSlice, stridedSlice, type AxisSlice } from './common/slice.js';
import type { OpMapping } from './types.js';

/** Slice (constant starts/ends/axes/steps) -> STRIDED_SLICE in the input's layout. */
export default {
  opType: 'Slice',
  layout: 'agnostic',
  int8: true,
  lower(node, cx) {
    const get = (i: number) => (node.inputs[i] ? cx.constant(i)?.toNumbers() : undefined);
    const [starts, ends] = [get(1), get(2)];
    if (!starts || !ends || (node.inputs[3] && !get(3)) || (node.inputs[4] && !get(4))) {
      throw new UnsupportedOpError(
        node.name,
        'Slice',
        ['Slice (constant starts, ends, axes, steps)'],
        'in TFLite conversion',
      );
    }
    const shape = cx.inShape(0);
    const axes = get(3) ?? starts.map((_, i) => i);
    const steps = get(4) ?? starts.map(() => 1);
    const slices: AxisSlice[] = axes.map((a, i) => {
      const axis = a < 0 ? a + shape.length : a;
      const [begin, end] = clampSlice(shape[axis]!, starts[i]!, ends[i]!, steps[i]!);
      return { axis, begin, end, step: steps[i]! };
    });
    stridedSlice(cx, slices, cx.output(0));
  },
} satisfies OpMapping;
