import { TFLITE_CASES } from './cases.js';
import { checkCorpus } from './check.js';

checkCorpus('corpus: MediaPipe TFLite models (selfie_segmentation, objectron)', TFLITE_CASES);
