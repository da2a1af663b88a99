import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/**
 * The package's version: from ../package.json beside src/ or lib/; inside the Action's bundle, which
 * may stand alone, from the package.json its build writes beside dist/index.js.
 */
function readVersion(): string {
  for (const file of ['../package.json', './package.json']) {
    try {
      const pkg = require(file) as { name?: string; version?: string };
      if (pkg.name === 'model-quant' && pkg.version) return pkg.version;
    } catch {
      // not there: try the next place
    }
  }
  return '0.0.0-unknown';
}

export const VERSION: string = readVersion();
