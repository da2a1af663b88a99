import { checkSileroRuns } from './silero.js';

/**
 * Silero VAD's If-wrapped original (an If on the sample rate whose 8 kHz branch cannot run on a 16 kHz
 * window: the 16 kHz one is inlined in the .tflite) with both schemes, and the opset-15 export (Ifs on
 * shapes only, inlined). silero-vad-if.test.ts has the other two variants.
 */
checkSileroRuns([
  ['silero_vad.onnx', 'pow2'],
  ['silero_vad.onnx', 'affine'],
  ['silero_vad_16k_op15.onnx', 'affine'],
]);
