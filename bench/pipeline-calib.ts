import { TARGET_CASES } from './pipeline-targets.js';
import { mb, ms, runChild, table } from './section.js';

/** The affine default (percentile), pow2's (percentile with its conv inputs' histograms), and minmax. */
const METHODS = ['percentile', 'pow2', 'minmax'];

interface CalibRun {
  ms: number;
  /** CPU time of the process (all threads) over the same span: steadier than wall time on a loaded machine. */
  cpuMs: number;
  samples: number;
  tensors: number;
  /** Samples run again for tensors the reduced pass left unsettled. */
  again: number;
  maxRss: number;
}

/**
 * Calibration alone (session creation and one pass over the samples, every tensor the plan calibrates)
 * against the floor: ONNX Runtime creating a session for the float model and running it once per
 * calibration sample. Target (issue 17): at most 1.5x. Fastest of `repeat` runs each, each in its own
 * process; peak RSS is the calibration process's (samples held in memory included, as in the floor).
 */
export async function calibrationVsFloor(repeat: number, only?: string): Promise<boolean> {
  const rows: string[][] = [];
  let within = true;
  for (const c of TARGET_CASES.filter((x) => !only || x.name.includes(only))) {
    const n = '32';
    const floors: { ms: number; cpuMs: number }[] = [];
    for (let i = 0; i < repeat; i++)
      floors.push(await runChild('pipeline-case.ts', ['floor', c.model, c.data, n, c.shape]));
    const floor = Math.min(...floors.map((f) => f.ms));
    const floorCpu = Math.min(...floors.map((f) => f.cpuMs));
    // The detector also on rendered text pages (against the same floor: ORT's time hardly depends on the
    // values), where samples differ as real ones do.
    const data = c.name.includes('det') ? [c.data, 'pages'] : [c.data];
    for (const [method, d] of METHODS.flatMap((m) => data.map((d) => [m, d] as const))) {
      const runs: CalibRun[] = [];
      for (let i = 0; i < repeat; i++)
        runs.push(await runChild('pipeline-calib-case.ts', [c.model, d, n, c.shape, method]));
      const best = runs.reduce((x, y) => (y.ms < x.ms ? y : x));
      const ratio = best.ms / floor;
      within &&= ratio <= 1.5;
      rows.push([
        d === 'pages' ? `${c.name}, pages` : c.name,
        method,
        String(best.samples),
        String(best.tensors),
        best.again ? `${best.again} samples` : 'no',
        `${ms(floor)} (${ms(floorCpu)})`,
        `${ms(best.ms)} (${ms(best.cpuMs)})`,
        `${ratio.toFixed(2)}x (${(Math.min(...runs.map((r) => r.cpuMs)) / floorCpu).toFixed(2)}x)`,
        ratio <= 1.5 ? 'yes' : 'no',
        mb(Math.max(...runs.map((r) => r.maxRss))),
      ]);
    }
  }
  console.log(
    table(
      [
        'model',
        'method',
        'samples',
        'tensors',
        'second pass',
        'ORT floor: wall (CPU)',
        'calibration: wall (CPU)',
        'calibration / floor: wall (CPU)',
        '<= 1.5x',
        'peak RSS',
      ],
      rows,
    ),
  );
  console.log(
    `\nFastest of ${repeat} runs each; synthetic samples where no folder is given. CPU: user + system time of all the process's threads over the same span (steadier than wall time when other processes load the machine); the target is on wall time.`,
  );
  return within;
}
