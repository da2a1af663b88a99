import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { prEvent, runDist, stageAction, workspace } from './harness.js';
import { githubApi, type GitHubApi } from './servers.js';

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

describe('the pull-request comment (dist/ against a local GitHub REST API)', () => {
  let action: string;
  let ws: string;
  let api: GitHubApi;
  const event = prEvent(17, 'a'.repeat(40), 'b'.repeat(40));
  const run = (inputs: Record<string, string> = {}) =>
    runDist(action, ws, { ...INPUTS, ...inputs }, { event, env: { GITHUB_API_URL: api.url } });
  const bot = () => api.comments.filter((c) => c.body.startsWith('<!-- model-quant-action:'));

  beforeAll(() => {
    action = stageAction();
    ws = workspace(['mmoe']);
  });
  afterEach(async () => api?.close());

  it('is created once, then found on the third page of comments and updated in place', async () => {
    api = await githubApi('octo', 'models', 2);
    for (let i = 0; i < 5; i++) {
      api.comments.push({ id: i + 1, body: `review ${i}`, user: { login: 'someone' }, html_url: '' });
    }
    const first = await run();
    expect(first.code, first.stdout + first.stderr).toBe(0);
    expect(api.log.filter((l) => l.startsWith('POST '))).toEqual([
      'POST /repos/octo/models/issues/17/comments',
    ]);
    expect(bot()).toHaveLength(1);
    const body = bot()[0]!.body;
    expect(body).toMatch(/^<!-- model-quant-action:[0-9a-f]{16} -->\n## model-quant\n/);
    expect(body).toMatch(
      /\| `examples\/mmoe.onnx` \| onnx \| 1\.29 MiB → \d+\.\d+ [KM]iB \| 0\.\d{3} \| .* dB/,
    );
    expect(first.outputs.comment_id).toBe(String(bot()[0]!.id));

    api.log.length = 0;
    const second = await run({ calib_samples: '3' });
    expect(second.code, second.stdout + second.stderr).toBe(0);
    // Pages 1 and 2 hold other people's comments; the marker is on page 3.
    expect(
      api.log
        .filter((l) => l.startsWith('GET '))
        .map((l) => new URL(l.slice(4), api.url).searchParams.get('page') ?? '1'),
    ).toEqual(['1', '2', '3']);
    expect(api.log.filter((l) => l.startsWith('POST '))).toEqual([]);
    expect(api.log.filter((l) => l.startsWith('PATCH '))).toEqual([
      `PATCH /repos/octo/models/issues/comments/${bot()[0]!.id}`,
    ]);
    expect(bot()).toHaveLength(1);
    expect(api.comments).toHaveLength(6);
    expect(bot()[0]!.body).toContain('Calibration: 3 data samples');
    expect(bot()[0]!.body).not.toBe(body);

    // Another input set (here: merging the reports) is another comment, also updated rather than repeated.
    for (let i = 0; i < 2; i++) {
      const merged = await run({ mode: 'merge', input: 'output' });
      expect(merged.code, merged.stdout + merged.stderr).toBe(0);
      expect(merged.summary).toMatch(/\| `examples\/mmoe.onnx` \| onnx \|/);
    }
    expect(bot()).toHaveLength(2);
    expect(bot()[1]!.body).toMatch(/\| `examples\/mmoe.onnx` \| onnx \|/);
  });

  it("a read-only token's 403 is not an error: the table goes to the job summary and the log", async () => {
    api = await githubApi('octo', 'models', 30);
    api.forbidWrites = true;
    const r = await run();
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(api.log.some((l) => l.startsWith('POST '))).toBe(true);
    expect(api.comments).toHaveLength(0);
    expect(r.stdout).not.toMatch(/^::error/m);
    expect(r.stdout).toContain('403');
    expect(r.stdout).toMatch(/\| `examples\/mmoe.onnx` \| onnx \|/);
    expect(r.summary).toMatch(/\| `examples\/mmoe.onnx` \| onnx \|/);
  });
});
