import { float, int, ints, str, tensorAttr } from '../../src/ir/attrs.js';
import type { Attribute } from '../../src/ir/graph.js';
import type { DType } from '../../src/ir/dtype.js';
import { Tensor } from '../../src/ir/tensor.js';

/** One input of an op case: random values unless given; given values make it a constant (initializer). */
export interface CaseInput {
  shape: number[];
  dtype?: DType;
  values?: (number | bigint)[];
  /** Random values in (0.1, 2] rather than [-2, 2] (Sqrt, Log). */
  positive?: boolean;
}

export interface OpCase {
  op: string;
  opset?: number;
  /** null marks an omitted optional input (''). */
  inputs: (CaseInput | null)[];
  attrs?: Record<string, Attribute>;
  outputs?: number;
  /** Skip the reference-compute check (op has no evaluate for this case). */
  label?: string;
}

const f = (...shape: number[]): CaseInput => ({ shape });
const i64 = (values: (number | bigint)[], shape = [values.length]): CaseInput => ({
  shape,
  dtype: 'int64',
  values,
});
const f32 = (values: number[], shape = [values.length]): CaseInput => ({ shape, values });

/** Data-driven op cases: shape inference and reference compute are both checked against ONNX Runtime. */
export const CASES: OpCase[] = [
  {
    op: 'Conv',
    inputs: [f(1, 3, 9, 9), f(4, 3, 3, 3)],
    attrs: { pads: ints([1, 1, 1, 1]), strides: ints([2, 2]) },
  },
  {
    op: 'Conv',
    inputs: [f(1, 3, 9, 8), f(3, 1, 3, 3), f(3)],
    attrs: { group: int(3), auto_pad: str('SAME_UPPER'), strides: ints([2, 2]) },
  },
  {
    op: 'Conv',
    inputs: [f(2, 2, 10, 10), f(4, 2, 3, 3)],
    attrs: { dilations: ints([2, 2]), auto_pad: str('VALID') },
  },
  {
    op: 'ConvTranspose',
    inputs: [f(1, 4, 5, 5), f(4, 2, 3, 3)],
    attrs: { strides: ints([2, 2]), pads: ints([1, 1, 1, 1]), output_padding: ints([1, 1]) },
  },
  {
    op: 'ConvTranspose',
    inputs: [f(1, 4, 5, 6), f(4, 1, 2, 2), f(2)],
    attrs: { strides: ints([2, 2]), group: int(2) },
  },
  { op: 'Gemm', inputs: [f(3, 5), f(4, 5), f(4)], attrs: { transB: int(1), alpha: float(0.5) } },
  { op: 'Gemm', inputs: [f(5, 3), f(5, 4)], attrs: { transA: int(1) } },
  { op: 'MatMul', inputs: [f(2, 3, 4), f(4, 5)] },
  { op: 'MatMul', inputs: [f(4), f(4, 5)] },
  { op: 'MatMul', inputs: [f(2, 1, 3, 4), f(5, 4, 6)] },
  { op: 'Add', inputs: [f(2, 1, 4), f(3, 1)] },
  { op: 'Sub', inputs: [f(2, 3), f32([1, 2, 3])] },
  { op: 'Mul', inputs: [f(1, 3, 1, 1), f(2, 3, 4, 1)] },
  { op: 'Div', inputs: [f(2, 3), f32([0.5, -2, 4])] },
  { op: 'Div', inputs: [i64([7, -7, 9, -9]), i64([2, 2, -4, -4])], label: 'integer Div truncates' },
  { op: 'Add', inputs: [i64([1, 2, 3]), i64([10])] },
  { op: 'Pow', inputs: [{ shape: [2, 3], positive: true }, f32([2, 0.5, 3])] },
  { op: 'Relu', inputs: [f(2, 5)] },
  { op: 'Clip', inputs: [f(2, 5), f32([-0.5], []), f32([0.5], [])] },
  { op: 'Clip', inputs: [f(2, 5), null, f32([0.25], [])] },
  { op: 'Clip', opset: 9, inputs: [f(2, 5)], attrs: { min: float(0), max: float(0.6) } },
  { op: 'LeakyRelu', inputs: [f(2, 5)], attrs: { alpha: float(0.1) } },
  { op: 'PRelu', inputs: [f(1, 3, 4, 4), f(3, 1, 1)] },
  { op: 'HardSigmoid', inputs: [f(2, 5)], attrs: { alpha: float(1 / 6), beta: float(0.5) } },
  { op: 'HardSwish', opset: 14, inputs: [f(3, 5)] },
  { op: 'Sigmoid', inputs: [f(2, 5)] },
  { op: 'Tanh', inputs: [f(2, 5)] },
  { op: 'Exp', inputs: [f(2, 5)] },
  { op: 'Log', inputs: [{ shape: [2, 5], positive: true }] },
  { op: 'Sqrt', inputs: [{ shape: [2, 5], positive: true }] },
  { op: 'Neg', inputs: [f(2, 5)] },
  { op: 'Abs', inputs: [f(2, 5)] },
  { op: 'Floor', inputs: [f(2, 5)] },
  { op: 'Ceil', inputs: [f(2, 5)] },
  { op: 'Reciprocal', inputs: [{ shape: [2, 5], positive: true }] },
  { op: 'Erf', inputs: [f(2, 5)] },
  { op: 'Min', inputs: [f(2, 3), f(3), f(1, 1)] },
  { op: 'Max', inputs: [f(2, 3), f(1, 3)] },
  { op: 'Sum', inputs: [f(2, 3), f(3), f(2, 1)] },
  { op: 'Mean', inputs: [f(2, 3), f(3)] },
  { op: 'Equal', inputs: [i64([1, 2, 3]), i64([2])] },
  { op: 'Less', inputs: [f(2, 3), f(3)] },
  { op: 'Greater', inputs: [f(2, 3), f(3)] },
  { op: 'Where', inputs: [{ shape: [3], dtype: 'bool', values: [1, 0, 1] }, f(2, 3), f(1)] },
  { op: 'Not', inputs: [{ shape: [3], dtype: 'bool', values: [1, 0, 1] }] },
  {
    op: 'And',
    inputs: [
      { shape: [2], dtype: 'bool', values: [1, 0] },
      { shape: [2, 1], dtype: 'bool', values: [1, 0] },
    ],
  },
  { op: 'Softmax', inputs: [f(2, 3, 4)], attrs: { axis: int(1) } },
  { op: 'BatchNormalization', inputs: [f(2, 3, 4, 4), f(3), f(3), f(3), { shape: [3], positive: true }] },
  {
    op: 'MaxPool',
    inputs: [f(1, 2, 7, 7)],
    attrs: { kernel_shape: ints([3, 3]), strides: ints([2, 2]), ceil_mode: int(1) },
  },
  {
    op: 'MaxPool',
    inputs: [f(1, 2, 8, 8)],
    attrs: { kernel_shape: ints([2, 2]), strides: ints([2, 2]), pads: ints([1, 1, 0, 0]) },
    outputs: 2,
  },
  {
    op: 'AveragePool',
    inputs: [f(1, 2, 7, 6)],
    attrs: { kernel_shape: ints([3, 2]), auto_pad: str('SAME_LOWER') },
  },
  { op: 'GlobalAveragePool', inputs: [f(2, 3, 5, 4)] },
  { op: 'GlobalMaxPool', inputs: [f(2, 3, 5)] },
  { op: 'ReduceMean', inputs: [f(2, 3, 4)], attrs: { axes: ints([1]), keepdims: int(0) } },
  { op: 'ReduceSum', inputs: [f(2, 3, 4), i64([0, -1])] },
  { op: 'ReduceMax', opset: 18, inputs: [f(2, 3, 4), i64([2])] },
  { op: 'ReduceMin', inputs: [f(2, 3, 4)] },
  { op: 'Concat', inputs: [f(2, 3), f(2, 1), f(2, 2)], attrs: { axis: int(-1) } },
  { op: 'Concat', inputs: [i64([1, 2]), i64([3])], attrs: { axis: int(0) } },
  { op: 'Reshape', inputs: [f(2, 3, 4), i64([0, -1])] },
  { op: 'Reshape', inputs: [f(2, 3, 4), i64([4, 1, -1])] },
  { op: 'Flatten', inputs: [f(2, 3, 4, 5)], attrs: { axis: int(2) } },
  { op: 'Transpose', inputs: [f(2, 3, 4)], attrs: { perm: ints([1, 2, 0]) } },
  { op: 'Transpose', inputs: [f(2, 3)] },
  { op: 'Squeeze', opset: 11, inputs: [f(1, 3, 1, 2)], attrs: { axes: ints([0, -2]) } },
  { op: 'Squeeze', inputs: [f(1, 3, 1, 2), i64([2])] },
  { op: 'Squeeze', inputs: [f(1, 3, 1, 2)] },
  { op: 'Unsqueeze', opset: 11, inputs: [f(3, 2)], attrs: { axes: ints([0, 3]) } },
  { op: 'Unsqueeze', inputs: [f(3, 2), i64([1, -1])] },
  {
    op: 'Slice',
    opset: 9,
    inputs: [f(4, 6)],
    attrs: { starts: ints([1, 0]), ends: ints([3, 1000]), axes: ints([0, 1]) },
  },
  { op: 'Slice', inputs: [f(4, 6, 3), i64([-1, 5]), i64([-1000, 0]), i64([0, 1]), i64([-1, -2])] },
  { op: 'Slice', inputs: [f(5, 4), i64([1]), i64([2n ** 63n - 1n]), i64([0])] },
  { op: 'Split', opset: 11, inputs: [f(2, 6)], attrs: { axis: int(1), split: ints([2, 4]) }, outputs: 2 },
  { op: 'Split', inputs: [f(6, 2), i64([1, 2, 3])], outputs: 3 },
  { op: 'Split', inputs: [f(2, 6)], attrs: { axis: int(1) }, outputs: 3 },
  { op: 'Split', opset: 18, inputs: [f(7, 2)], attrs: { num_outputs: int(3) }, outputs: 3 },
  { op: 'Gather', inputs: [f(3, 4, 2), i64([0, -1, 2, 1], [2, 2])], attrs: { axis: int(1) } },
  { op: 'Gather', inputs: [i64([5, 6, 7, 8]), i64([2], [])] },
  { op: 'Pad', inputs: [f(1, 2, 3, 3), i64([0, 0, 1, 2, 0, 0, 2, 1])] },
  { op: 'Pad', opset: 9, inputs: [f(2, 3)], attrs: { pads: ints([1, 0, 0, 2]), value: float(1.5) } },
  { op: 'Pad', opset: 18, inputs: [f(2, 3), i64([1, 2]), f32([0], []), i64([-1])] },
  { op: 'Resize', inputs: [f(1, 2, 3, 4), null, f32([1, 1, 2, 1.5])], attrs: { mode: str('nearest') } },
  {
    op: 'Resize',
    inputs: [f(1, 2, 3, 4), f32([]), f32([]), i64([1, 2, 5, 7])],
    attrs: { mode: str('linear') },
  },
  { op: 'Resize', opset: 10, inputs: [f(1, 2, 3, 4), f32([1, 1, 2, 2])] },
  { op: 'Shape', inputs: [f(2, 3, 4)] },
  { op: 'Shape', opset: 15, inputs: [f(2, 3, 4, 5)], attrs: { start: int(1), end: int(-1) } },
  { op: 'Cast', inputs: [f(2, 3)], attrs: { to: int(7) } },
  { op: 'Cast', inputs: [i64([3, -2, 0])], attrs: { to: int(1) } },
  { op: 'Identity', inputs: [f(2, 3)] },
  { op: 'Dropout', inputs: [f(2, 3)] },
  { op: 'Constant', inputs: [], attrs: { value: tensorAttr(Tensor.float32([2], [1, 2])) } },
  { op: 'Constant', inputs: [], attrs: { value_ints: ints([4, 5, 6]) } },
  { op: 'ConstantOfShape', inputs: [i64([2, 3])], attrs: { value: tensorAttr(Tensor.int64([1], [7])) } },
  { op: 'ConstantOfShape', inputs: [i64([3, 1])] },
  { op: 'Range', inputs: [i64([1], []), i64([10], []), i64([3], [])] },
  { op: 'Range', inputs: [f32([0.5], []), f32([-1], []), f32([-0.4], [])] },
  { op: 'Expand', inputs: [f(3, 1), i64([2, 1, 4])] },
];
