import { defineConfig } from 'vitest/config';

// `npm test`: needs Node and npm only. The suites over the Debian libonnx-testdata node cases are
// *.conformance.ts files, run by `npm run conformance` (vitest.conformance.config.ts).
export default defineConfig({
  test: {
    include: ['__tests__/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
