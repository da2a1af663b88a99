import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runDist, stageAction, workspace } from './harness.js';

/**
 * input_scale 1 crushes MobileNet's normalized inputs to a few integers, so the int8 model's top-1
 * disagrees with float on some samples: a drop to gate on.
 */
const INPUTS = {
  input: 'examples/mobilenet_v1_bn.onnx',
  calib_data: 'examples/mobilenet_v1_bn/samples',
  calib_samples: '4',
  eval_data: 'examples/mobilenet_v1_bn/samples/01*.npy',
  input_scale: '1',
  formats: 'onnx',
  artifact_name: '',
  comment: 'false',
};

describe('fail_on_drop (dist/)', () => {
  let action: string;
  let ws: string;
  beforeAll(() => {
    action = stageAction();
    ws = workspace(['mobilenet_v1_bn']);
  });

  let drop = NaN;
  const measuredDrop = (dir: string) => {
    const report = JSON.parse(fs.readFileSync(path.join(ws, dir, 'mobilenet_v1_bn_report.json'), 'utf8'));
    return 100 - report.outputs[0].metrics.output.top1Agreement * 100;
  };

  it('below the measured drop: the step fails, with a warning on the model file and an error', async () => {
    const r = await runDist(
      action,
      ws,
      { ...INPUTS, output: 'gated', fail_on_drop: '0' },
      { eventName: 'push' },
    );
    drop = measuredDrop('gated');
    expect(drop).toBeGreaterThan(0);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(
      /^::warning [^:]*\bfile=examples\/mobilenet_v1_bn\.onnx\b[^:]*::.*fail_on_drop.*top-1 agreement/m,
    );
    expect(r.stdout).toMatch(
      /^::error::model-quant: quality gate failed \(fail_on_drop\) for examples\/mobilenet_v1_bn\.onnx/m,
    );
    // The reports, outputs and table are still there for the failed step.
    expect(fs.existsSync(path.join(ws, 'gated/mobilenet_v1_bn_quant.onnx'))).toBe(true);
    expect(r.summary).toContain('⚠️ over `fail_on_drop`');
    expect(r.summary).toContain('1 over the accuracy-drop limit');
  });

  it('above the measured drop: the step passes', async () => {
    const limit = String(Math.ceil(drop) + 1);
    const r = await runDist(
      action,
      ws,
      { ...INPUTS, output: 'passed', fail_on_drop: limit },
      { eventName: 'push' },
    );
    expect(measuredDrop('passed')).toBeCloseTo(drop, 6);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).not.toMatch(/^::(warning|error)/m);
    expect(r.summary).not.toContain('fail_on_drop');
  });
});
