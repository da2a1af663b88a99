import { CLASS_CASES } from './cases.js';
import { checkCorpus } from './check.js';

checkCorpus(
  'corpus: failure-class models built here (TF-origin, GRU, Einsum, TFLite control flow)',
  CLASS_CASES,
);
