import { checkSileroRuns } from './silero.js';

/**
 * Silero VAD's opset-18 export (an If on the sample rate whose two branches both run at 576 samples: a
 * TFLite IF with two subgraphs) with both schemes, and the float16 export. Split from silero-vad.test.ts
 * so that each file runs in about a minute.
 */
checkSileroRuns([
  ['silero_vad_op18_ifless.onnx', 'pow2'],
  ['silero_vad_op18_ifless.onnx', 'affine'],
  ['silero_vad_half.onnx', 'pow2'],
]);
