import { InvalidOptionError } from '../errors.js';
import { FLAGS, choice, parseBool } from '../options.js';

export type ActionMode = 'quantize' | 'list' | 'merge';

/** The Action's inputs: the CLI's flags as raw strings (parsed per model later), and the Action's own. */
export interface ActionInputs {
  mode: ActionMode;
  /** `input`: paths or globs, one per line (quantize, list) or folders of `*_summary.json` (merge). */
  patterns: string[];
  /** Every FLAGS entry the workflow set (empty strings dropped), `input` excluded. */
  flags: Record<string, string>;
  githubToken: string;
  comment: boolean;
  artifactName: string;
  retentionDays?: number;
  changedOnly: boolean;
  compareBase: boolean;
}

/** Input names that are the Action's own, not CLI flags. */
export const ACTION_INPUTS = [
  'mode',
  'github_token',
  'comment',
  'artifact_name',
  'retention_days',
  'changed_only',
  'compare_base',
] as const;

/**
 * Reads the inputs through `get` (core.getInput in the Action: '' when unset). Flags keep their text:
 * parseOptions checks them per model, so an Action input means exactly what the CLI flag means.
 */
export function readInputs(get: (name: string) => string): ActionInputs {
  const patterns = get('input')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean);
  if (patterns.length === 0) {
    throw new InvalidOptionError(
      'input',
      'is required: a model path, a glob, or several of them, one per line',
    );
  }
  const flags: Record<string, string> = {};
  for (const f of FLAGS) {
    const v = get(f.name).trim();
    if (f.name !== 'input' && v !== '') flags[f.name] = v;
  }
  const bool = (name: string, dflt: boolean) => {
    const v = get(name).trim();
    return v === '' ? dflt : parseBool(name, v);
  };
  const retention = get('retention_days').trim();
  const days = retention === '' ? undefined : Number(retention);
  if (days !== undefined && (!Number.isInteger(days) || days < 1 || days > 90)) {
    throw new InvalidOptionError(
      'retention_days',
      `'${retention}' is not valid; give a whole number of days, 1 to 90`,
    );
  }
  return {
    mode: choice('mode', get('mode').trim() || 'quantize', ['quantize', 'list', 'merge'] as const),
    patterns,
    flags,
    githubToken: get('github_token').trim(),
    comment: bool('comment', true),
    artifactName: get('artifact_name').trim(),
    retentionDays: days,
    changedOnly: bool('changed_only', true),
    compareBase: bool('compare_base', true),
  };
}

/**
 * The flags for one model: `{stem}` in a path flag stands for the model's file name without extension,
 * so one run can give each model its own data (`calib_data: models/{stem}/samples`).
 */
export function flagsFor(
  flags: Record<string, string>,
  model: string,
  output: string,
): Record<string, string | undefined> {
  const stem = model.replace(/^.*[\\/]/, '').replace(/\.[^.]*$/, '');
  const out: Record<string, string | undefined> = { input: model };
  for (const [k, v] of Object.entries(flags)) out[k] = v.replaceAll('{stem}', stem);
  out.output = output;
  return out;
}
