import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { prEvent, runDist, stageAction, workspace } from './harness.js';
import { githubApi, type GitHubApi } from './servers.js';

/**
 * min_sqnr as an Action input: the run keeps ops in float until every output reaches it, and the
 * pull-request comment (a local GitHub REST API) shows what was kept and what it cost. MMoE pow2 on these
 * samples: ctr at 18.2 dB; one expert Gemm in float lifts it past 19 dB.
 */
const INPUTS = {
  input: 'examples/mmoe.onnx',
  calib_data: 'examples/mmoe/samples',
  calib_samples: '2',
  eval_data: 'examples/mmoe/samples/01*.npz',
  formats: 'onnx',
  artifact_name: '',
  changed_only: 'false',
  compare_base: 'false',
  github_token: 'ghs_test-token',
};

describe('mixed precision in the Action (dist/)', () => {
  let action: string;
  let ws: string;
  let api: GitHubApi;

  beforeAll(() => {
    action = stageAction();
    ws = workspace(['mmoe']);
  });
  afterEach(async () => api?.close());

  it('takes min_sqnr and shows the ops kept in float, with their cost, in the PR comment', async () => {
    api = await githubApi('octo', 'models', 30);
    const event = prEvent(21, 'a'.repeat(40), 'b'.repeat(40));
    const r = await runDist(
      action,
      ws,
      { ...INPUTS, min_sqnr: '25' },
      { event, env: { GITHUB_API_URL: api.url } },
    );
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const body = api.comments.find((c) => c.body.startsWith('<!-- model-quant-action:'))!.body;
    expect(body).toMatch(
      /\*\*Mixed precision\*\* \(`--min_sqnr 25`: every output's SQNR at least 25 dB, on \d+ evaluation samples\): met/,
    );
    // What is kept (single ops or a block of them) is the search's business; the comment names it.
    expect(body).toMatch(/Kept in float: [1-9]\d* of \d+ quantized ops: \S.+/);
    expect(body).toMatch(/\| onnx \| [\d.]+ KiB → [\d.]+ KiB \([+−][\d.]+ KiB\) \| [\d.]+ ms → [\d.]+ ms \|/);
    expect(r.summary).toContain('**Mixed precision**');
  });
});
