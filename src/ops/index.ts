import type { ConstantOf, OpDescriptor } from './types.js';
import type { FusedActivation } from '../convert/lowering/activation.js';
import type { TfliteLowering } from '../convert/lowering/types.js';
import type { Node } from '../ir/graph.js';
import Abs from './Abs.js';
import Add from './Add.js';
import And from './And.js';
import ArgMax from './ArgMax.js';
import ArgMin from './ArgMin.js';
import AveragePool from './AveragePool.js';
import BatchNormalization from './BatchNormalization.js';
import Cast from './Cast.js';
import Ceil from './Ceil.js';
import Clip from './Clip.js';
import Concat from './Concat.js';
import Constant from './Constant.js';
import ConstantOfShape from './ConstantOfShape.js';
import Conv from './Conv.js';
import ConvTranspose from './ConvTranspose.js';
import DepthToSpace from './DepthToSpace.js';
import Div from './Div.js';
import Dropout from './Dropout.js';
import Equal from './Equal.js';
import Einsum from './Einsum.js';
import Erf from './Erf.js';
import Exp from './Exp.js';
import Expand from './Expand.js';
import Flatten from './Flatten.js';
import Floor from './Floor.js';
import Gather from './Gather.js';
import Gelu from './Gelu.js';
import Gemm from './Gemm.js';
import GRU from './GRU.js';
import GlobalAveragePool from './GlobalAveragePool.js';
import GlobalMaxPool from './GlobalMaxPool.js';
import Greater from './Greater.js';
import GreaterOrEqual from './GreaterOrEqual.js';
import HardSigmoid from './HardSigmoid.js';
import HardSwish from './HardSwish.js';
import Identity from './Identity.js';
import If from './If.js';
import InstanceNormalization from './InstanceNormalization.js';
import IsInf from './IsInf.js';
import IsNaN from './IsNaN.js';
import LayerNormalization from './LayerNormalization.js';
import LeakyRelu from './LeakyRelu.js';
import Less from './Less.js';
import LessOrEqual from './LessOrEqual.js';
import Log from './Log.js';
import LogSoftmax from './LogSoftmax.js';
import LSTM from './LSTM.js';
import MatMul from './MatMul.js';
import Max from './Max.js';
import MaxPool from './MaxPool.js';
import Mean from './Mean.js';
import Min from './Min.js';
import Mul from './Mul.js';
import Neg from './Neg.js';
import NonZero from './NonZero.js';
import Not from './Not.js';
import Or from './Or.js';
import PRelu from './PRelu.js';
import Pad from './Pad.js';
import Pow from './Pow.js';
import Range from './Range.js';
import Reciprocal from './Reciprocal.js';
import ReduceL2 from './ReduceL2.js';
import ReduceMax from './ReduceMax.js';
import ReduceMean from './ReduceMean.js';
import ReduceMin from './ReduceMin.js';
import ReduceProd from './ReduceProd.js';
import ReduceSum from './ReduceSum.js';
import Relu from './Relu.js';
import Reshape from './Reshape.js';
import Resize from './Resize.js';
import Shape from './Shape.js';
import Sigmoid from './Sigmoid.js';
import Size from './Size.js';
import Slice from './Slice.js';
import Softmax from './Softmax.js';
import SpaceToDepth from './SpaceToDepth.js';
import Split from './Split.js';
import Sqrt from './Sqrt.js';
import Squeeze from './Squeeze.js';
import Sub from './Sub.js';
import Sum from './Sum.js';
import Tanh from './Tanh.js';
import Tile from './Tile.js';
import Transpose from './Transpose.js';
import Unsqueeze from './Unsqueeze.js';
import Where from './Where.js';
import Xor from './Xor.js';

/**
 * The one table of operators. Adding an op is adding its file and one line here; a duplicate entry is a
 * programming error and throws at load.
 */
const ALL: OpDescriptor[] = [
  Abs,
  Add,
  And,
  ArgMax,
  ArgMin,
  AveragePool,
  BatchNormalization,
  Cast,
  Ceil,
  Clip,
  Concat,
  Constant,
  ConstantOfShape,
  Conv,
  ConvTranspose,
  DepthToSpace,
  Div,
  Dropout,
  Equal,
  Einsum,
  Erf,
  Exp,
  Expand,
  Flatten,
  Floor,
  Gather,
  Gelu,
  Gemm,
  GRU,
  GlobalAveragePool,
  GlobalMaxPool,
  Greater,
  GreaterOrEqual,
  HardSigmoid,
  HardSwish,
  Identity,
  If,
  InstanceNormalization,
  IsInf,
  IsNaN,
  LayerNormalization,
  LeakyRelu,
  Less,
  LessOrEqual,
  Log,
  LogSoftmax,
  LSTM,
  MatMul,
  Max,
  MaxPool,
  Mean,
  Min,
  Mul,
  Neg,
  NonZero,
  Not,
  Or,
  PRelu,
  Pad,
  Pow,
  Range,
  Reciprocal,
  ReduceL2,
  ReduceMax,
  ReduceMean,
  ReduceMin,
  ReduceProd,
  ReduceSum,
  Relu,
  Reshape,
  Resize,
  Shape,
  Sigmoid,
  Size,
  Slice,
  Softmax,
  SpaceToDepth,
  Split,
  Sqrt,
  Squeeze,
  Sub,
  Sum,
  Tanh,
  Tile,
  Transpose,
  Unsqueeze,
  Where,
  Xor,
];

const table = new Map<string, OpDescriptor>();
for (const op of ALL) register(op);

export function register(op: OpDescriptor): void {
  const key = `${op.domain ?? ''}::${op.opType}`;
  if (table.has(key)) throw new Error(`operator ${op.opType} is registered twice`);
  table.set(key, op);
}

export function getOp(opType: string, domain = ''): OpDescriptor | undefined {
  return table.get(`${domain === 'ai.onnx' ? '' : domain}::${opType}`);
}

export function allOps(): OpDescriptor[] {
  return [...table.values()];
}

/** How a default-domain op lowers to TFLite (the `tflite` part of its descriptor); undefined: it does not. */
export function tfliteLowering(opType: string): TfliteLowering | undefined {
  return getOp(opType)?.tflite;
}

/** The ONNX ops the TFLite converter lowers, sorted. */
export function loweredOps(): string[] {
  return allOps()
    .filter((op) => op.tflite && !op.domain)
    .map((op) => op.opType)
    .sort();
}

/**
 * The TFLite activation `node` is when it can run fused into the op before it (its descriptor's
 * `fusedActivation`), else undefined.
 */
export function fusableActivation(node: Node, constant: ConstantOf): FusedActivation | undefined {
  return getOp(node.opType, node.domain)?.fusedActivation?.(node, constant);
}

/** Whether TFLite ops lowered from `opType` can carry a fused activation at all (a `fusable` rule). */
export function takesFusedActivation(opType: string, domain = ''): boolean {
  return domain === '' && getOp(opType)?.tflite?.fusable !== undefined;
}
