import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ACTION_INPUTS, flagsFor, readInputs } from '../../src/action/inputs.js';
import { asInputs } from '../../src/action/quantize.js';
import { FLAGS } from '../../src/options.js';

/** action.yml's top-level `inputs:`/`outputs:` entries with their `default:` (a small reader for this file's layout). */
function actionYml() {
  const text = fs.readFileSync(path.resolve(import.meta.dirname, '../../action.yml'), 'utf8');
  const section = (name: string) => {
    const body = text.split(new RegExp(`^${name}:\\n`, 'm'))[1]!.split(/^\S/m)[0]!;
    const entries = new Map<string, string | undefined>();
    let current = '';
    for (const line of body.split('\n')) {
      const key = /^ {2}([a-z0-9_]+):\s*$/.exec(line);
      if (key) entries.set((current = key[1]!), undefined);
      const dflt = /^ {4}default:\s*(.*)$/.exec(line);
      if (dflt && current) entries.set(current, dflt[1]!.replace(/^'(.*)'$/, '$1'));
    }
    return entries;
  };
  return { text, inputs: section('inputs'), outputs: section('outputs') };
}

describe('action.yml', () => {
  const yml = actionYml();

  it('has an input for every CLI flag, same name, same default', () => {
    for (const f of FLAGS) {
      expect(yml.inputs.has(f.name), `action.yml lacks input '${f.name}'`).toBe(true);
      expect(yml.inputs.get(f.name), `default of '${f.name}'`).toBe(f.default);
    }
  });

  it("has the Action's own inputs and nothing else", () => {
    const expected = [...FLAGS.map((f) => f.name), ...ACTION_INPUTS].sort();
    expect([...yml.inputs.keys()].sort()).toEqual(expected);
    expect(yml.inputs.get('github_token')).toBe('${{ github.token }}');
    expect(yml.inputs.get('changed_only')).toBe('true');
    expect(yml.inputs.get('compare_base')).toBe('true');
  });

  it('declares the outputs runAction sets, runs dist/index.js on node24, and has branding', () => {
    expect([...yml.outputs.keys()].sort()).toEqual(
      [
        'artifact_id',
        'comment_id',
        'models',
        'quantized',
        'report',
        'reports',
        'worst_ratio',
        'worst_sqnr',
      ].sort(),
    );
    expect(yml.text).toMatch(/^runs:\n {2}using: node24\n {2}main: dist\/index\.js\n/m);
    expect(yml.text).toMatch(/^branding:\n {2}icon: \S+\n {2}color: \S+/m);
  });
});

describe('readInputs', () => {
  const get = (values: Record<string, string>) => (name: string) => values[name] ?? '';

  it('takes input as lines, keeps set flags as text, and applies the Action defaults', () => {
    const i = readInputs(get({ input: ' a.onnx \n\nmodels/*.tflite\n', bias_mode: 'B8', scheme: '' }));
    expect(i.patterns).toEqual(['a.onnx', 'models/*.tflite']);
    expect(i.flags).toEqual({ bias_mode: 'B8' });
    expect(i).toMatchObject({ mode: 'quantize', comment: true, changedOnly: true, compareBase: true });
    expect(i.retentionDays).toBeUndefined();
  });

  it('refuses a missing input, a bad mode, a bad boolean and a bad retention, naming the input', () => {
    expect(() => readInputs(get({}))).toThrow(/input/);
    expect(() => readInputs(get({ input: 'a.onnx', mode: 'all' }))).toThrow(/mode.*quantize, list, merge/);
    expect(() => readInputs(get({ input: 'a.onnx', comment: 'maybe' }))).toThrow(/comment/);
    expect(() => readInputs(get({ input: 'a.onnx', retention_days: '0' }))).toThrow(/retention_days/);
    expect(readInputs(get({ input: 'a.onnx', retention_days: '7' })).retentionDays).toBe(7);
  });

  it('flagsFor puts in the model, the output folder, and the stem for {stem}', () => {
    const f = flagsFor({ calib_data: 'data/{stem}/calib', output: 'ignored' }, 'models/net.v2.onnx', 'out');
    expect(f).toEqual({ input: 'models/net.v2.onnx', calib_data: 'data/net.v2/calib', output: 'out' });
  });
});

describe('asInputs', () => {
  it('names flags as the Action names its inputs', () => {
    expect(asInputs("--scheme: 'x' is not valid; use --scheme none (or `--formats onnx`)")).toBe(
      "scheme: 'x' is not valid; use scheme none (or `formats onnx`)",
    );
    expect(asInputs('a-b --not-a-flag x--y')).toBe('a-b --not-a-flag x--y');
  });
});
