import * as core from '@actions/core';
import { DefaultArtifactClient } from '@actions/artifact';
import * as github from '@actions/github';
import { readInputs } from './inputs.js';
import { runAction, type ActionIO } from './run.js';
import { asInputs } from './quantize.js';
import { ModelQuantError } from '../errors.js';

/**
 * The Action's face, and the only file that imports @actions/*: it reads the inputs and the event, builds
 * the clients (Octokit for the comment, the artifact client), and hands them to runAction.
 */
export async function run(): Promise<void> {
  try {
    const inputs = readInputs((name) => core.getInput(name));
    const { context } = github;
    const io: ActionIO = {
      info: (line) => core.info(line),
      warning: (message, file) => core.warning(message, file ? { file, title: 'model-quant' } : {}),
      error: (message, file) => core.error(message, file ? { file, title: 'model-quant' } : {}),
      setOutput: (name, value) => core.setOutput(name, value),
      summary: async (markdown) => {
        if (process.env.GITHUB_STEP_SUMMARY) await core.summary.addRaw(markdown, true).write();
      },
      setFailed: (message) => core.setFailed(message),
      octokit: inputs.githubToken ? github.getOctokit(inputs.githubToken) : undefined,
      artifacts: process.env.ACTIONS_RUNTIME_TOKEN ? new DefaultArtifactClient() : undefined,
    };
    const repo = process.env.GITHUB_REPOSITORY ? context.repo : undefined;
    const runUrl =
      repo && context.runId
        ? `${context.serverUrl}/${repo.owner}/${repo.repo}/actions/runs/${context.runId}`
        : undefined;
    await runAction(
      inputs,
      {
        cwd: process.cwd(),
        eventName: context.eventName ?? '',
        payload: context.payload,
        workflow: context.workflow ?? '',
        repo,
        runUrl,
      },
      io,
    );
  } catch (e) {
    const message = e instanceof ModelQuantError ? asInputs(e.message) : ((e as Error).stack ?? String(e));
    core.setFailed(`model-quant: ${message}`);
  }
}
