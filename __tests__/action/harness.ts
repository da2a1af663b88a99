/**
 * Runs the committed Action as a runner would: action.yml and dist/ alone in an empty folder, `node
 * dist/index.js` with INPUT_* variables and the files GitHub provides (event payload, step summary, step
 * outputs), in a workspace of its own. Nothing of the repository's node_modules is reachable from there.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const REPO = path.resolve(import.meta.dirname, '../..');

export const tmpDir = (prefix: string) => fs.mkdtempSync(path.join(os.tmpdir(), `mq-action-${prefix}-`));

/** action.yml and dist/, copied alone into an empty folder; returns that folder. */
export function stageAction(): string {
  const dir = tmpDir('dist');
  fs.copyFileSync(path.join(REPO, 'action.yml'), path.join(dir, 'action.yml'));
  fs.cpSync(path.join(REPO, 'dist'), path.join(dir, 'dist'), { recursive: true });
  return dir;
}

/** A workspace holding the example models and their samples (a copy: runs write into it). */
export function workspace(
  models: readonly ('mmoe' | 'mobilenet_v1_bn')[] = ['mmoe', 'mobilenet_v1_bn'],
): string {
  const ws = tmpDir('ws');
  for (const m of models) {
    fs.mkdirSync(path.join(ws, 'examples', m), { recursive: true });
    fs.copyFileSync(path.join(REPO, 'examples', `${m}.onnx`), path.join(ws, 'examples', `${m}.onnx`));
    fs.cpSync(path.join(REPO, 'examples', m, 'samples'), path.join(ws, 'examples', m, 'samples'), {
      recursive: true,
    });
  }
  return ws;
}

export function git(cwd: string, ...args: string[]): string {
  const r = spawnSync('git', args, { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
  return r.stdout.trim();
}

export function initRepo(cwd: string): void {
  git(cwd, 'init', '-q', '-b', 'main');
  git(cwd, 'config', 'user.email', 'ci@example.com');
  git(cwd, 'config', 'user.name', 'ci');
  git(cwd, 'config', 'commit.gpgsign', 'false');
}

export function commitAll(cwd: string, message: string): string {
  git(cwd, 'add', '-A');
  git(cwd, 'commit', '-q', '-m', message);
  return git(cwd, 'rev-parse', 'HEAD');
}

export interface ActionRun {
  code: number | null;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  summary: string;
}

/** The pull_request payload's parts the Action reads. */
export function prEvent(number: number, base: string, head: string) {
  return {
    action: 'synchronize',
    number,
    pull_request: { number, base: { sha: base, ref: 'main' }, head: { sha: head, ref: 'feature' } },
    repository: { name: 'models', owner: { login: 'octo' }, full_name: 'octo/models' },
  };
}

/**
 * Runs dist/index.js. `inputs` become INPUT_<NAME>; `env` adds to a clean environment (no GITHUB_*,
 * ACTIONS_*, INPUT_* or proxy variable of the test's own environment leaks in).
 */
export async function runDist(
  actionDir: string,
  cwd: string,
  inputs: Record<string, string>,
  opts: { event?: unknown; eventName?: string; env?: Record<string, string> } = {},
): Promise<ActionRun> {
  const files = tmpDir('files');
  const summaryFile = path.join(files, 'summary.md');
  const outputFile = path.join(files, 'output.txt');
  const eventFile = path.join(files, 'event.json');
  fs.writeFileSync(summaryFile, '');
  fs.writeFileSync(outputFile, '');
  fs.writeFileSync(eventFile, JSON.stringify(opts.event ?? {}));
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !/^(GITHUB_|ACTIONS_|INPUT_|RUNNER_)|proxy$/i.test(k)) env[k] = v;
  }
  Object.assign(env, {
    GITHUB_WORKSPACE: cwd,
    GITHUB_STEP_SUMMARY: summaryFile,
    GITHUB_OUTPUT: outputFile,
    GITHUB_EVENT_PATH: eventFile,
    GITHUB_EVENT_NAME: opts.eventName ?? 'pull_request',
    GITHUB_REPOSITORY: 'octo/models',
    GITHUB_WORKFLOW: 'models',
    GITHUB_RUN_ID: '7',
    ...opts.env,
  });
  for (const [k, v] of Object.entries(inputs)) env[`INPUT_${k.toUpperCase()}`] = v;
  const child = spawn(process.execPath, [path.join(actionDir, 'dist', 'index.js')], { cwd, env });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  return {
    code,
    stdout,
    stderr,
    outputs: parseOutputs(fs.readFileSync(outputFile, 'utf8')),
    summary: fs.readFileSync(summaryFile, 'utf8'),
  };
}

/** GITHUB_OUTPUT's `name<<delimiter ... delimiter` records. */
export function parseOutputs(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const m = /^([^<]+)<<(.+)$/.exec(lines[i]!);
    if (!m) continue;
    const end = lines.indexOf(m[2]!, i + 1);
    out[m[1]!] = lines.slice(i + 1, end).join('\n');
    i = end;
  }
  return out;
}
