import { Command, CommanderError, Option } from 'commander';
import { ModelQuantError } from '../errors.js';
import { FLAGS, parseOptions } from '../options.js';
import { quantizeModel } from '../pipeline/quantize-model.js';
import { VERSION } from '../version.js';
import { progressReporter } from './progress.js';

export const EXIT = { ok: 0, gateFailed: 1, usage: 2, internal: 3, interrupted: 130 } as const;

/**
 * The CLI face: flags in, one library call, the report's table out. Errors the user can fix are one line
 * on stderr and exit code 2; a failed quality gate is exit code 1; anything else is a bug, shown with its
 * stack and exit code 3. Ctrl-C aborts the run and removes what it wrote.
 */
export async function runCli(
  argv: string[],
  io: { out?: (s: string) => void; err?: (s: string) => void } = {},
): Promise<number> {
  const out = io.out ?? ((s) => process.stdout.write(s));
  const err = io.err ?? ((s) => process.stderr.write(s));
  const program = buildProgram(out, err);
  let raw: Record<string, string>;
  try {
    program.parse(argv, { from: 'user' });
    raw = program.opts();
  } catch (e) {
    if (e instanceof CommanderError) {
      return e.code === 'commander.helpDisplayed' || e.code === 'commander.version' ? EXIT.ok : EXIT.usage;
    }
    throw e;
  }
  const abort = new AbortController();
  const onSigint = () => abort.abort(new Error('interrupted'));
  process.once('SIGINT', onSigint);
  const progress = progressReporter(err);
  try {
    const options = parseOptions(raw);
    const { markdown, gate } = await quantizeModel(options, {
      onProgress: progress.update,
      signal: abort.signal,
    });
    progress.stop();
    out(markdown);
    if (gate?.failed) {
      err(`model-quant: quality gate failed: ${gate.reason}\n`);
      return EXIT.gateFailed;
    }
    return EXIT.ok;
  } catch (e) {
    progress.stop();
    if (abort.signal.aborted) {
      err('model-quant: interrupted; nothing was written\n');
      return EXIT.interrupted;
    }
    if (e instanceof ModelQuantError) {
      err(`model-quant: error: ${e.message}\n`);
      return EXIT.usage;
    }
    err(`model-quant: internal error (please report it): ${(e as Error).stack ?? String(e)}\n`);
    return EXIT.internal;
  } finally {
    process.removeListener('SIGINT', onSigint);
  }
}

function buildProgram(out: (s: string) => void, err: (s: string) => void): Command {
  const program = new Command('model-quant')
    .description('Quantize a float ONNX or TFLite model to int8, with a size and accuracy report.')
    .version(VERSION, '-v, --version')
    .exitOverride()
    .configureOutput({ writeOut: out, writeErr: (s) => err(`model-quant: ${s}`) })
    .showHelpAfterError('(run model-quant --help for every flag)')
    .allowExcessArguments(false);
  for (const f of FLAGS) {
    const opt = new Option(`--${f.name}${f.arg ? ` <${f.arg}>` : ''}`, f.description);
    if (f.default !== undefined) opt.default(f.default);
    if (f.choices) opt.choices(f.choices);
    program.addOption(opt);
  }
  return program;
}
