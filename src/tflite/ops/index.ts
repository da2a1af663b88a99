import type { IntegerKernel } from '../types.js';
import { ADD } from './ADD.js';
import { AVERAGE_POOL_2D } from './AVERAGE_POOL_2D.js';
import { CONCATENATION } from './CONCATENATION.js';
import { CONV_2D } from './CONV_2D.js';
import { DEPTHWISE_CONV_2D } from './DEPTHWISE_CONV_2D.js';
import { DEQUANTIZE } from './DEQUANTIZE.js';
import { MAXIMUM } from './MAXIMUM.js';
import { MINIMUM } from './MINIMUM.js';
import { DIV } from './DIV.js';
import { EXPAND_DIMS } from './EXPAND_DIMS.js';
import { FULLY_CONNECTED } from './FULLY_CONNECTED.js';
import { GATHER } from './GATHER.js';
import { HARD_SWISH } from './HARD_SWISH.js';
import { LEAKY_RELU } from './LEAKY_RELU.js';
import { LOGISTIC } from './LOGISTIC.js';
import { MAX_POOL_2D } from './MAX_POOL_2D.js';
import { MEAN } from './MEAN.js';
import { MUL } from './MUL.js';
import { PAD } from './PAD.js';
import { QUANTIZE } from './QUANTIZE.js';
import { RELU } from './RELU.js';
import { RELU6 } from './RELU6.js';
import { RESHAPE } from './RESHAPE.js';
import { RESIZE_NEAREST_NEIGHBOR } from './RESIZE_NEAREST_NEIGHBOR.js';
import { SOFTMAX } from './SOFTMAX.js';
import { SQUEEZE } from './SQUEEZE.js';
import { SUB } from './SUB.js';
import { SUM } from './SUM.js';
import { TANH } from './TANH.js';
import { TRANSPOSE } from './TRANSPOSE.js';
import { TRANSPOSE_CONV } from './TRANSPOSE_CONV.js';

const ALL: IntegerKernel[] = [
  ADD,
  AVERAGE_POOL_2D,
  CONCATENATION,
  CONV_2D,
  DEPTHWISE_CONV_2D,
  DEQUANTIZE,
  MAXIMUM,
  MINIMUM,
  DIV,
  EXPAND_DIMS,
  FULLY_CONNECTED,
  GATHER,
  HARD_SWISH,
  LEAKY_RELU,
  LOGISTIC,
  MAX_POOL_2D,
  MEAN,
  MUL,
  PAD,
  QUANTIZE,
  RELU,
  RELU6,
  RESHAPE,
  RESIZE_NEAREST_NEIGHBOR,
  SOFTMAX,
  SQUEEZE,
  SUB,
  SUM,
  TANH,
  TRANSPOSE,
  TRANSPOSE_CONV,
];

/** The integer kernels by TFLite op name: one file per op, listed once here. */
export const INTEGER_KERNELS: ReadonlyMap<string, IntegerKernel> = (() => {
  const table = new Map<string, IntegerKernel>();
  for (const k of ALL) {
    if (table.has(k.opType)) throw new Error(`integer kernels: ${k.opType} is registered twice`);
    table.set(k.opType, k);
  }
  return table;
})();
