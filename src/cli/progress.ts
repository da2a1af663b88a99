import cliProgress from 'cli-progress';
import type { ProgressEvent } from '../pipeline/quantize-model.js';

/**
 * Progress on stderr: a cli-progress bar per counted stage (calibration passes, evaluation) when stderr is
 * a terminal; plain lines otherwise (CI logs), one every 10% of a stage's samples.
 */
export function progressReporter(write: (s: string) => void, tty = Boolean(process.stderr.isTTY)) {
  let bar: cliProgress.SingleBar | undefined;
  let barStage = '';
  let lastLine = '';
  const stopBar = () => {
    bar?.stop();
    bar = undefined;
    barStage = '';
  };
  const update = (e: ProgressEvent) => {
    // Stage starts are not printed: stderr stays quiet (one line) when a run fails early.
    if (e.done === undefined || e.total === undefined) return;
    if (tty) {
      if (barStage !== e.stage) {
        stopBar();
        bar = new cliProgress.SingleBar(
          {
            format: `model-quant: ${e.stage} [{bar}] {value}/{total}`,
            stream: process.stderr,
            clearOnComplete: false,
          },
          cliProgress.Presets.shades_classic,
        );
        bar.start(e.total, 0);
        barStage = e.stage;
      }
      bar!.update(e.done);
      return;
    }
    const step = Math.max(1, Math.round(e.total / 10));
    if (e.done % step !== 0 && e.done !== e.total) return;
    const line = `model-quant: ${e.stage} ${e.done}/${e.total}`;
    if (line !== lastLine) write(`${line}\n`);
    lastLine = line;
  };
  return { update, stop: stopBar };
}
