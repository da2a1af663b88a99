import { defineConfig } from 'vitest/config';
import base from './vitest.config.js';

// `npm run fuzz` (.ci/run runs it after the conformance run): 1,000 damaged models per format, corpus
// models among them, through the whole pipeline (*.fuzz.ts). Too slow for `npm test` (about 10 minutes
// on 2 cores); `npm test` keeps a short version (__tests__/formats/*/fuzz*.test.ts).
export default defineConfig({
  test: {
    ...base.test,
    include: ['__tests__/**/*.fuzz.ts'],
    testTimeout: 3_600_000,
  },
});
