import { defineConfig } from 'vitest/config';
import base from './vitest.config.js';

// `npm run conformance`: the suites that need Debian packages, which .ci/run installs: the ONNX backend
// test suite's node cases (libonnx-testdata; *.conformance.ts) and tests on text rendered by ImageMagick
// with the DejaVu fonts (imagemagick, fonts-dejavu-core; *.debian.ts). `npm test` (vitest.config.ts)
// needs Node and npm only.
export default defineConfig({
  test: {
    ...base.test,
    include: ['__tests__/conformance/**/*.conformance.ts', '__tests__/**/*.debian.ts'],
  },
});
