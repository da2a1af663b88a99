import type { OpMapping } from './types.js';
import Add from './Add.js';
import AveragePool from './AveragePool.js';
import Clip from './Clip.js';
import Concat from './Concat.js';
import Conv from './Conv.js';
import ConvTranspose from './ConvTranspose.js';
import Div from './Div.js';
import Exp from './Exp.js';
import Flatten from './Flatten.js';
import Gather from './Gather.js';
import Gemm from './Gemm.js';
import GlobalAveragePool from './GlobalAveragePool.js';
import HardSigmoid from './HardSigmoid.js';
import HardSwish from './HardSwish.js';
import Identity from './Identity.js';
import LeakyRelu from './LeakyRelu.js';
import MatMul from './MatMul.js';
import Max from './Max.js';
import MaxPool from './MaxPool.js';
import Min from './Min.js';
import Mul from './Mul.js';
import PRelu from './PRelu.js';
import Pad from './Pad.js';
import ReduceMean from './ReduceMean.js';
import ReduceSum from './ReduceSum.js';
import Relu from './Relu.js';
import Reshape from './Reshape.js';
import Resize from './Resize.js';
import Sigmoid from './Sigmoid.js';
import Slice from './Slice.js';
import Softmax from './Softmax.js';
import Split from './Split.js';
import Squeeze from './Squeeze.js';
import Sub from './Sub.js';
import Tanh from './Tanh.js';
import Transpose from './Transpose.js';
import Unsqueeze from './Unsqueeze.js';

/**
 * The ONNX -> TFLite mapping of each op, one file per op (src/convert/ops/<OpType>.ts), listed once.
 * An op missing here is an UnsupportedOpError naming the node.
 */
const ALL: OpMapping[] = [
  Add,
  AveragePool,
  Clip,
  Concat,
  Conv,
  ConvTranspose,
  Div,
  Exp,
  Flatten,
  Gather,
  Gemm,
  GlobalAveragePool,
  HardSigmoid,
  HardSwish,
  Identity,
  LeakyRelu,
  MatMul,
  Max,
  MaxPool,
  Min,
  Mul,
  PRelu,
  Pad,
  ReduceMean,
  ReduceSum,
  Relu,
  Reshape,
  Resize,
  Sigmoid,
  Slice,
  Softmax,
  Split,
  Squeeze,
  Sub,
  Tanh,
  Transpose,
  Unsqueeze,
];

const table = new Map<string, OpMapping>();
for (const m of ALL) {
  if (table.has(m.opType)) throw new Error(`TFLite mapping of ${m.opType} is registered twice`);
  table.set(m.opType, m);
}

export function getMapping(opType: string): OpMapping | undefined {
  return table.get(opType);
}

/** The ONNX ops the converter maps, sorted. */
export function supportedOps(): string[] {
  return [...table.keys()].sort();
}
