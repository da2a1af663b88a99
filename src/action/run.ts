import path from 'node:path';
import { globSync } from 'tinyglobby';
import { InvalidOptionError } from '../errors.js';
import { parseOptions } from '../options.js';
import { ortBackend } from '../runtime/ort.js';
import { changeRange, Git } from './git.js';
import { flagsFor, type ActionInputs } from './inputs.js';
import { changedModels, displayPath, outputDirs, resolveModels } from './models.js';
import { publish, setOutputs, writtenFiles, type ActionIO } from './publish.js';
import { quantizeOne } from './quantize.js';
import { readSummaries, type ModelSummary } from './summary.js';
import { commentMarker } from './table.js';

export type { ActionIO, ArtifactUploader } from './publish.js';

/** The run's context, from the environment GitHub sets (main.ts reads it through @actions/github). */
export interface ActionEnv {
  cwd: string;
  eventName: string;
  payload: any;
  workflow: string;
  repo?: { owner: string; repo: string };
  /** The run's page, for the comment's footer. */
  runUrl?: string;
}

/** The Action: `mode` picks listing the models, quantizing them, or merging matrix jobs' results. */
export async function runAction(inputs: ActionInputs, env: ActionEnv, io: ActionIO): Promise<void> {
  if (inputs.mode === 'merge') return merge(inputs, env, io);
  const output = inputs.flags.output ?? 'output';
  const { models, range, git } = selectModels(inputs, env, io, output);
  if (inputs.mode === 'list') {
    io.setOutput('models', JSON.stringify(models.map((m) => displayPath(m, env.cwd))));
    const list = models.map((m) => `- \`${displayPath(m, env.cwd)}\``).join('\n');
    await io.summary(
      `## model-quant\n\n${models.length ? `Models to quantize:\n\n${list}` : 'No model changed.'}\n`,
    );
    return;
  }
  // Flags are checked once, before any work: a bad flag is one error, not one per model.
  parseOptions(flagsFor(inputs.flags, models[0] ?? 'model.onnx', output));
  let base: { git: Git; sha: string } | undefined;
  if (inputs.compareBase && range?.event === 'pull_request' && models.length) {
    if (git.root() && git.ensureCommit(range.base)) base = { git, sha: range.base };
    else
      io.warning(
        `model-quant: base commit ${range.base.slice(0, 7)} is not available; no deltas (check out with fetch-depth: 0)`,
      );
  }
  const dirs = outputDirs(models, env.cwd, output);
  const summaries: ModelSummary[] = [];
  for (const model of models) {
    io.info(`model-quant: quantizing ${displayPath(model, env.cwd)}`);
    const log = (line: string) => io.info(`  ${line}`);
    summaries.push(
      await quantizeOne(model, dirs.get(model)!, { cwd: env.cwd, flags: inputs.flags, base, log }),
    );
  }
  if (models.length) io.info(`model-quant: ONNX Runtime backend: ${await ortBackend()}`);
  annotate(io, summaries);
  setOutputs(io, summaries);
  const uploaded = await upload(inputs, env, io, summaries, output);
  await publish(io, {
    summaries,
    table: { baseSha: base?.sha, footer: footer(env, uploaded ? inputs.artifactName : undefined) },
    marker: commentMarker(env.workflow, inputs.patterns),
    pr: pullRequest(env),
    comment: inputs.comment,
  });
  fail(io, summaries);
}

function selectModels(inputs: ActionInputs, env: ActionEnv, io: ActionIO, output: string) {
  const all = resolveModels(inputs.patterns, env.cwd, output);
  const range = changeRange(env.eventName, env.payload);
  const git = new Git(env.cwd, (l) => io.info(`  ${l}`));
  if (!inputs.changedOnly || !range) return { models: all, range, git };
  const changed = git.changedFiles(range);
  if (!changed) {
    io.warning(
      `model-quant: cannot tell which files ${range.event === 'push' ? 'the push' : 'the pull request'} changed ` +
        '(no git history here; check out with fetch-depth: 0); quantizing every model',
    );
    return { models: all, range, git };
  }
  const models = changedModels(all, changed);
  io.info(
    `model-quant: ${models.length} of ${all.length} model(s) changed in this ${range.event.replace('_', ' ')}`,
  );
  return { models, range, git };
}

function annotate(io: ActionIO, summaries: readonly ModelSummary[]): void {
  for (const s of summaries) {
    if (s.error) io.error(`model-quant: ${s.error}`, s.model);
    if (s.gate?.failed) io.warning(`model-quant: accuracy drop over fail_on_drop: ${s.gate.reason}`, s.model);
  }
}

function fail(io: ActionIO, summaries: readonly ModelSummary[]): void {
  const failed = summaries.filter((s) => s.error).map((s) => s.model);
  const gated = summaries.filter((s) => s.gate?.failed).map((s) => s.model);
  const reasons: string[] = [];
  if (failed.length) reasons.push(`could not quantize ${failed.join(', ')}`);
  if (gated.length) reasons.push(`quality gate failed (fail_on_drop) for ${gated.join(', ')}`);
  if (reasons.length) io.setFailed(`model-quant: ${reasons.join('; ')}`);
}

async function upload(
  inputs: ActionInputs,
  env: ActionEnv,
  io: ActionIO,
  summaries: readonly ModelSummary[],
  output: string,
): Promise<boolean> {
  const files = writtenFiles(summaries, env.cwd);
  if (!inputs.artifactName || files.length === 0) return false;
  if (!io.artifacts) {
    io.info('model-quant: not in a workflow run (no ACTIONS_RUNTIME_TOKEN); no artifact upload');
    return false;
  }
  try {
    const root = path.resolve(env.cwd, output);
    const r = await io.artifacts.uploadArtifact(inputs.artifactName, files, root, {
      retentionDays: inputs.retentionDays,
    });
    io.info(
      `model-quant: uploaded artifact '${inputs.artifactName}' (${files.length} files, ${r.size ?? '?'} bytes)`,
    );
    if (r.id !== undefined) io.setOutput('artifact_id', String(r.id));
    return true;
  } catch (e) {
    io.warning(`model-quant: artifact upload failed: ${(e as Error).message}`);
    return false;
  }
}

function footer(env: ActionEnv, artifact: string | undefined): string | undefined {
  if (!artifact) return undefined;
  const run = env.runUrl ? ` of [this run](${env.runUrl})` : '';
  return `Reports and quantized models: artifact \`${artifact}\`${run}.`;
}

function pullRequest(env: ActionEnv) {
  const n = env.payload?.pull_request?.number;
  return typeof n === 'number' && env.repo ? { ...env.repo, issue_number: n } : undefined;
}

/** mode: merge: one table from the matrix jobs' `*_summary.json` files (downloaded artifacts). */
async function merge(inputs: ActionInputs, env: ActionEnv, io: ActionIO): Promise<void> {
  const files = new Set<string>();
  for (const p of inputs.patterns) {
    const found = globSync([`${p.replace(/\\/g, '/').replace(/\/$/, '')}/**/*_summary.json`, p], {
      cwd: env.cwd,
      absolute: true,
      onlyFiles: true,
    }).filter((f) => f.endsWith('_summary.json'));
    if (found.length === 0)
      throw new InvalidOptionError('input', `'${p}' holds no *_summary.json (mode: merge)`);
    for (const f of found) files.add(f);
  }
  const summaries = readSummaries([...files].sort());
  setOutputs(io, summaries);
  const baseSha = changeRange(env.eventName, env.payload)?.base;
  const compared = summaries.some((s) => s.base);
  await publish(io, {
    summaries,
    table: { baseSha: compared ? baseSha : undefined },
    marker: commentMarker(env.workflow, inputs.patterns),
    pr: pullRequest(env),
    comment: inputs.comment,
  });
}
