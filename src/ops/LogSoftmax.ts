import { sameAsInput } from './common/shape.js';
import type { OpDescriptor } from './types.js';

/**
 * LogSoftmax: the log of Softmax along `axis` (same shape). Not quantized or converted yet; a model's
 * result read through it keeps its extremes at calibration.
 */
export default {
  opType: 'LogSoftmax',
  inferShapes: sameAsInput(0),
  resultView: true,
} satisfies OpDescriptor;
