import fs from 'node:fs';
import path from 'node:path';
import { globSync } from 'tinyglobby';
import { InvalidOptionError } from '../errors.js';

const MODEL_EXT = /\.(onnx|tflite)$/i;

/**
 * The model files `input` names, as absolute paths in a stable order: each line a file, a folder (its
 * .onnx and .tflite files, recursively) or a glob. The output folder and node_modules are never searched,
 * so `**\/*.onnx` does not pick up last run's quantized files.
 */
export function resolveModels(patterns: readonly string[], cwd: string, outputDir: string): string[] {
  const found = new Set<string>();
  const ignore = ['**/node_modules/**', `${toGlob(path.relative(cwd, path.resolve(cwd, outputDir)))}/**`];
  for (const p of patterns) {
    const abs = path.resolve(cwd, p);
    const stat = fs.statSync(abs, { throwIfNoEntry: false });
    let matches: string[];
    if (stat?.isFile()) matches = [abs];
    else if (stat?.isDirectory()) {
      matches = globSync('**/*.{onnx,tflite}', {
        cwd: abs,
        absolute: true,
        ignore,
        caseSensitiveMatch: false,
      });
    } else {
      matches = globSync(toGlob(p), { cwd, absolute: true, ignore, onlyFiles: true });
    }
    const models = matches.filter((m) => MODEL_EXT.test(m)).map((m) => path.resolve(m));
    if (models.length === 0) {
      throw new InvalidOptionError('input', `'${p}' matches no .onnx or .tflite file (searched from ${cwd})`);
    }
    for (const m of models) found.add(m);
  }
  return [...found].sort();
}

const toGlob = (p: string) => p.split(path.sep).join('/') || '.';

/** The models among the changed files (absolute paths, compared after resolving symlinks). */
export function changedModels(models: readonly string[], changed: readonly string[]): string[] {
  const real = (f: string) => {
    try {
      return fs.realpathSync(f);
    } catch {
      return path.resolve(f);
    }
  };
  const set = new Set(changed.map(real));
  return models.filter((m) => set.has(real(m)));
}

/**
 * Where each model's files go: `output` itself, unless two models share a file stem; those get
 * `output/<their folder>` so no report overwrites another.
 */
export function outputDirs(models: readonly string[], cwd: string, output: string): Map<string, string> {
  const stems = new Map<string, number>();
  const stem = (m: string) => path.basename(m, path.extname(m));
  for (const m of models) stems.set(stem(m), (stems.get(stem(m)) ?? 0) + 1);
  const dirs = new Map<string, string>();
  for (const m of models) {
    const rel = path.relative(cwd, path.dirname(m)).replace(/^(\.\.[\\/])+/, '');
    dirs.set(m, stems.get(stem(m))! > 1 ? path.join(output, rel || '_') : output);
  }
  return dirs;
}

/** A path as shown to users and annotated: relative to the workspace, with forward slashes. */
export function displayPath(file: string, cwd: string): string {
  const rel = path.relative(cwd, file);
  return (rel.startsWith('..') || path.isAbsolute(rel) ? file : rel).split(path.sep).join('/');
}
