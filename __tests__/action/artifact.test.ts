import fs from 'node:fs';
import path from 'node:path';
import { unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDist, stageAction, workspace } from './harness.js';
import { artifactService, runtimeToken, type ArtifactService } from './servers.js';

describe('artifact upload (dist/ against a local Actions results service)', () => {
  let service: ArtifactService;
  beforeAll(async () => {
    service = await artifactService();
  });
  afterAll(() => service.close());

  it('uploads every output, byte for byte, as one artifact with the given name and retention', async () => {
    const action = stageAction();
    const ws = workspace(['mmoe']);
    const r = await runDist(
      action,
      ws,
      {
        input: 'examples/mmoe.onnx',
        calib_data: 'examples/mmoe/samples',
        calib_samples: '2',
        eval_data: 'examples/mmoe/samples/01*.npz',
        formats: 'onnx',
        artifact_name: 'quantized-models',
        retention_days: '5',
        comment: 'false',
      },
      {
        eventName: 'workflow_dispatch',
        env: {
          ACTIONS_RUNTIME_TOKEN: runtimeToken('run-1', 'job-1'),
          ACTIONS_RESULTS_URL: `${service.url}/`,
          GITHUB_SERVER_URL: 'https://github.com',
        },
      },
    );
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.outputs.artifact_id).toBe('4242');
    expect([...service.artifacts.keys()]).toEqual(['quantized-models']);
    const { bytes, created, finalized } = service.artifacts.get('quantized-models')!;
    expect(created).toMatchObject({ workflow_run_backend_id: 'run-1', workflow_job_run_backend_id: 'job-1' });
    const days = (Date.parse(created.expires_at) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(4.9);
    expect(days).toBeLessThan(5.1);
    expect(Number(finalized.size)).toBe(bytes.length);
    expect(service.log.some((l) => /comp=block&blockid=/.test(l))).toBe(true);

    const zip = unzipSync(new Uint8Array(bytes));
    const out = path.join(ws, 'output');
    const written = fs.readdirSync(out).sort();
    expect(written).toEqual(
      [
        'mmoe_layers.svg',
        'mmoe_quant.onnx',
        'mmoe_report.json',
        'mmoe_report.md',
        'mmoe_summary.json',
      ].sort(),
    );
    expect(Object.keys(zip).sort()).toEqual(written);
    for (const f of written) {
      expect(Buffer.from(zip[f]!).equals(fs.readFileSync(path.join(out, f))), f).toBe(true);
    }
    expect(r.summary).toContain('artifact `quantized-models`');
  });
});
