import { defineConfig } from 'vitest/config';
import base from './vitest.config.js';

// `npm run conformance`: the suites over the ONNX backend test suite's node cases, which need the Debian
// package libonnx-testdata (.ci/run installs it). `npm test` (vitest.config.ts) needs Node and npm only.
export default defineConfig({
  test: { ...base.test, include: ['__tests__/conformance/**/*.conformance.ts'] },
});
