import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { commitAll, initRepo, prEvent, runDist, stageAction, workspace } from './harness.js';

/**
 * The committed bundle, alone: a pull request that changes mobilenet_v1_bn.onnx and adds mmoe.onnx, in a
 * repository that also holds a model the pull request does not touch.
 */
describe('dist/index.js on a pull request, from an empty folder', () => {
  let action: string;
  let ws: string;
  let base: string;
  let head: string;

  beforeAll(async () => {
    action = stageAction();
    ws = workspace();
    // The base branch's mobilenet: the same net with BatchNorm folded (the Action itself writes it).
    const made = await runDist(
      action,
      ws,
      {
        input: 'examples/mobilenet_v1_bn.onnx',
        output: 'base-model',
        scheme: 'none',
        formats: 'onnx',
        artifact_name: '',
      },
      { eventName: 'workflow_dispatch' },
    );
    expect(made.code, made.stdout + made.stderr).toBe(0);
    initRepo(ws);
    const original = fs.readFileSync(path.join(ws, 'examples/mobilenet_v1_bn.onnx'));
    const mmoe = fs.readFileSync(path.join(ws, 'examples/mmoe.onnx'));
    fs.mkdirSync(path.join(ws, 'models'));
    fs.writeFileSync(path.join(ws, 'models/stable.onnx'), mmoe);
    fs.renameSync(
      path.join(ws, 'base-model/mobilenet_v1_bn_float.onnx'),
      path.join(ws, 'examples/mobilenet_v1_bn.onnx'),
    );
    fs.rmSync(path.join(ws, 'base-model'), { recursive: true });
    fs.rmSync(path.join(ws, 'examples/mmoe.onnx'));
    base = commitAll(ws, 'base');
    fs.writeFileSync(path.join(ws, 'examples/mobilenet_v1_bn.onnx'), original);
    fs.writeFileSync(path.join(ws, 'examples/mmoe.onnx'), mmoe);
    head = commitAll(ws, 'head');
  });

  it('quantizes the changed models, writes the files and reports, and shows the table with base deltas', async () => {
    const r = await runDist(
      action,
      ws,
      {
        input: 'examples/*.onnx\nmodels/*.onnx',
        calib_data: 'examples/{stem}/samples',
        calib_samples: '4',
        formats: 'onnx',
        comment: 'false',
        artifact_name: '',
      },
      { event: prEvent(3, base, head) },
    );
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('2 of 3 model(s) changed in this pull request');
    expect(r.stdout).toContain('ONNX Runtime backend: wasm');

    const out = path.join(ws, 'output');
    for (const stem of ['mmoe', 'mobilenet_v1_bn']) {
      for (const f of ['_quant.onnx', '_report.json', '_report.md', '_layers.svg', '_summary.json']) {
        expect(fs.existsSync(path.join(out, stem + f)), stem + f).toBe(true);
      }
      const report = JSON.parse(fs.readFileSync(path.join(out, `${stem}_report.json`), 'utf8'));
      expect(report.outputs[0].bytes).toBe(fs.statSync(path.join(out, `${stem}_quant.onnx`)).size);
      expect(report.calibration).toMatchObject({ source: 'data', samples: 4 });
    }
    expect(fs.readdirSync(out).some((f) => f.startsWith('stable'))).toBe(false);

    // The step outputs, for later steps and the matrix pattern.
    expect(JSON.parse(r.outputs.models!)).toEqual(['examples/mmoe.onnx', 'examples/mobilenet_v1_bn.onnx']);
    expect(JSON.parse(r.outputs.reports!)).toEqual([
      'output/mmoe_report.json',
      'output/mobilenet_v1_bn_report.json',
    ]);
    expect(r.outputs.report).toBe('output/mmoe_report.json');
    expect(JSON.parse(r.outputs.quantized!)).toEqual([
      'output/mmoe_quant.onnx',
      'output/mobilenet_v1_bn_quant.onnx',
    ]);
    const reports = ['mmoe', 'mobilenet_v1_bn'].map((s) =>
      JSON.parse(fs.readFileSync(path.join(out, `${s}_report.json`), 'utf8')),
    );
    const ratios = reports.map((x) => x.outputs[0].ratio as number);
    expect(Number(r.outputs.worst_ratio)).toBeCloseTo(Math.max(...ratios), 3);
    const sqnrs = reports.flatMap((x) =>
      Object.values(x.outputs[0].metrics).map((m: any) => m.sqnrDb as number),
    );
    expect(Number(r.outputs.worst_sqnr)).toBeCloseTo(Math.min(...sqnrs), 1);

    // The job summary: the table, one row per model and format, with deltas against the base commit.
    expect(r.summary).toContain('## model-quant');
    expect(r.summary).toContain(`deltas against the base branch at \`${base.slice(0, 7)}\``);
    const row = (model: string) => r.summary.split('\n').find((l) => l.startsWith(`| \`${model}\` | onnx |`));
    const mmoe = row('examples/mmoe.onnx')!;
    expect(mmoe).toMatch(/\| 1\.29 MiB → \d+\.\d+ [KM]iB \| 0\.\d{3} \| .*dB \(c[tv]r\) \| new \|$/);
    const mobilenet = row('examples/mobilenet_v1_bn.onnx')!;
    expect(mobilenet).toMatch(/\| [+−]\d+\.\d KiB, SQNR [+−]\d+\.\d dB \|$/);
    expect(row('models/stable.onnx')).toBeUndefined();
    expect(r.summary).toContain('<details><summary>examples/mmoe.onnx</summary>');
  });

  it('with changed_only false, quantizes every model the input names', async () => {
    const r = await runDist(
      action,
      ws,
      {
        input: 'models/',
        output: 'all',
        calib_samples: '2',
        formats: 'onnx',
        comment: 'false',
        artifact_name: '',
        changed_only: 'false',
        compare_base: 'false',
      },
      { event: prEvent(3, base, head) },
    );
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(JSON.parse(r.outputs.models!)).toEqual(['models/stable.onnx']);
    expect(fs.existsSync(path.join(ws, 'all/stable_quant.onnx'))).toBe(true);
    expect(r.summary).toMatch(/\| `models\/stable.onnx` \| onnx \| .* \| – \|\n/);
  });

  it('a bad input value fails the step with one error naming the input, before any work', async () => {
    const r = await runDist(
      action,
      ws,
      { input: 'examples/*.onnx', calib_samples: 'many' },
      { event: prEvent(3, base, head) },
    );
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(
      /^::error::model-quant: calib_samples: 'many' is not valid; give a positive number$/m,
    );
    expect(r.stdout).not.toContain('quantizing');
  });

  it('a pull request that changes no model quantizes nothing and says so', async () => {
    const r = await runDist(
      action,
      ws,
      { input: 'models/*.onnx', output: 'none' },
      { event: prEvent(3, base, head) },
    );
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('0 of 1 model(s) changed');
    expect(r.outputs.models).toBe('[]');
    expect(r.summary).toContain('No model to quantize in this change.');
    expect(fs.existsSync(path.join(ws, 'none'))).toBe(false);
  });

  it('mode list names the changed models as JSON, for a matrix', async () => {
    const r = await runDist(
      action,
      ws,
      { input: '**/*.onnx', mode: 'list' },
      { event: prEvent(3, base, head) },
    );
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(JSON.parse(r.outputs.models!)).toEqual(['examples/mmoe.onnx', 'examples/mobilenet_v1_bn.onnx']);
    expect(r.summary).toContain('- `examples/mmoe.onnx`');
  });
});

describe('dist/index.js writing TFLite', () => {
  it('checks the .tflite in LiteRT, whose WASM build travels in dist/', async () => {
    const action = stageAction();
    const ws = workspace(['mobilenet_v1_bn']);
    const r = await runDist(
      action,
      ws,
      {
        input: 'examples/mobilenet_v1_bn.onnx',
        calib_data: 'examples/mobilenet_v1_bn/samples',
        calib_samples: '2',
        eval_data: 'examples/mobilenet_v1_bn/samples/01*.npy',
        formats: 'onnx,tflite',
        artifact_name: '',
      },
      { eventName: 'workflow_dispatch' },
    );
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const report = JSON.parse(fs.readFileSync(path.join(ws, 'output/mobilenet_v1_bn_report.json'), 'utf8'));
    const tflite = report.outputs.find((o: any) => o.format === 'tflite');
    expect(tflite).toMatchObject({ runtime: 'litert', path: 'output/mobilenet_v1_bn_quant.tflite' });
    expect(Number.isFinite(tflite.metrics.output.sqnrDb)).toBe(true);
    expect(r.summary).toMatch(
      /\| `examples\/mobilenet_v1_bn.onnx` \| tflite \| 5\.14 MiB → \d+\.\d+ [KM]iB \| 0\.\d{3} \| -?\d+\.\d dB/,
    );
    expect(JSON.parse(r.outputs.quantized!)).toEqual([
      'output/mobilenet_v1_bn_quant.onnx',
      'output/mobilenet_v1_bn_quant.tflite',
    ]);
  });
});
