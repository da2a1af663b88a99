import { OCR_CASES } from './cases.js';
import { checkCorpus } from './check.js';

checkCorpus('corpus: PP-OCR (cls, v4 rec, v4 det)', OCR_CASES);
