/**
 * Where the .tflite evaluation worker (tflite-worker.ts) starts from, and whether evaluation uses workers
 * (remote-tflite.ts).
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/**
 * How to start the worker: its entry beside this module (lib/: the .js), or, run from source (tsx, vitest),
 * the .ts loaded through tsx's loader, registered in the worker (a worker takes no --import of its own).
 */
export function workerEntry(): { code: string; eval: boolean } | undefined {
  const here = path.dirname(fileURLToPath(import.meta.url));
  // A name computed at run time: a bundler must not take the entry for an asset (the Action's bundle gets
  // a worker bundle of its own beside it: scripts/package-action.mjs).
  const base = ['tflite', 'worker'].join('-');
  const js = path.join(here, `${base}.js`);
  if (fs.existsSync(js)) return { code: js, eval: false };
  const ts = path.join(here, `${base}.ts`);
  if (!fs.existsSync(ts)) return undefined;
  const api = tsxApi();
  if (!api) return undefined;
  const [url, tsx] = [pathToFileURL(ts).href, api].map((u) => JSON.stringify(u));
  const code = `import(${tsx}).then((t) => { t.register(); return import(${url}); });`;
  return { code, eval: true };
}

/** The URL of tsx's ESM API (`tsx/esm/api`, its import condition), where tsx is installed. */
function tsxApi(): string | undefined {
  try {
    const manifest = createRequire(import.meta.url).resolve('tsx/package.json');
    const pkg = JSON.parse(fs.readFileSync(manifest, 'utf8')) as {
      exports: Record<string, { import: string | { default: string } }>;
    };
    const entry = pkg.exports['./esm/api']!.import;
    return pathToFileURL(path.join(path.dirname(manifest), typeof entry === 'string' ? entry : entry.default))
      .href;
  } catch {
    return undefined;
  }
}

/**
 * Whether evaluation uses workers: a second core, a worker entry to start, and not turned off
 * (MODEL_QUANT_WORKERS=0, for comparing both ways; the figures are the same).
 */
export function workersAvailable(): boolean {
  return process.env.MODEL_QUANT_WORKERS !== '0' && os.availableParallelism() >= 2 && !!workerEntry();
}
