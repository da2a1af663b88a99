import { VAD_CASES } from './cases.js';
import { checkCorpus } from './check.js';

checkCorpus('corpus: silero-vad (4 ONNX variants)', VAD_CASES);
