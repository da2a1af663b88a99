import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { ActivationFunctionType, BUILTIN_OPERATOR_NAMES } from '../../src/formats/tflite/schema.js';

/** The repository's tracked TypeScript sources under src/, with comments stripped (names in prose are fine). */
export function sources(): { path: string; code: string }[] {
  return execFileSync('git', ['ls-files', 'src'], { encoding: 'utf8' })
    .split('\n')
    .filter((f) => f.endsWith('.ts'))
    .map((path) => ({ path, code: stripComments(readFileSync(path, 'utf8')) }));
}

function stripComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
}

const BUILTIN_NAMES = new Set(BUILTIN_OPERATOR_NAMES);
const NAME = `'(${BUILTIN_OPERATOR_NAMES.join('|')})'`;

/** Files that name builtins in their own right: the registry's folder and the flatbuffer schema's enum. */
export const isBuiltinHome = (path: string): boolean =>
  path.startsWith('src/tflite/ops/') || path === 'src/formats/tflite/schema.ts';

/**
 * A file still holding a list another helper's branch replaces (the lead removes the entry at the
 * merge; the test fails once the list is gone and the entry stays).
 */
export const PENDING: Readonly<Record<string, string>> = {};

/** Every BuiltinOperator name a file's code quotes ('CONV_2D'), with fused activation kinds left out. */
export function quotedBuiltins(code: string): string[] {
  const activationKinds = new Set(Object.keys(ActivationFunctionType));
  return [...code.matchAll(new RegExp(NAME, 'g'))]
    .map((m) => m[1]!)
    .filter((n) => BUILTIN_NAMES.has(n) && !(activationKinds.has(n) && /\bFusedActivation\b/.test(code)));
}

/**
 * Hand-written lists of builtin names in a file's code: two quoted names in a row (an array, a Set, an
 * argument list), or two or more object keys that are builtin names (a table by op).
 */
export function builtinLists(code: string): string[] {
  const runs = [...code.matchAll(new RegExp(`${NAME}\\s*,\\s*${NAME}`, 'g'))].map((m) => m[0]);
  const keys = [...code.matchAll(new RegExp(`^\\s*'?(${BUILTIN_OPERATOR_NAMES.join('|')})'?\\s*:`, 'gm'))];
  return keys.length >= 2 ? [...runs, `table keyed by ${keys.map((k) => k[1]).join(', ')}`] : runs;
}
