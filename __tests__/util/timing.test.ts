import { afterEach, describe, expect, it } from 'vitest';
import { stopwatch } from '../../src/util/timing.js';

/** MODEL_QUANT_TIMING: one stderr line per lap when set (wall and CPU since the last lap), nothing when not. */
const saved = process.env.MODEL_QUANT_TIMING;
afterEach(() => {
  if (saved === undefined) delete process.env.MODEL_QUANT_TIMING;
  else process.env.MODEL_QUANT_TIMING = saved;
});

function captured(f: () => void): string {
  const lines: string[] = [];
  const write = process.stderr.write;
  process.stderr.write = ((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  }) as typeof process.stderr.write;
  try {
    f();
  } finally {
    process.stderr.write = write;
  }
  return lines.join('');
}

/**
 * Busy for at least `ms` of wall time and of the process's CPU time. Both bounds are needed: the process's
 * CPU time counts every thread (the test runner's, the GC's), so it can pass `ms` before the wall clock
 * does.
 */
function spin(ms: number): void {
  const [start, wall] = [process.cpuUsage(), performance.now()];
  for (;;) {
    const used = process.cpuUsage(start);
    if ((used.user + used.system) / 1000 >= ms && performance.now() - wall >= ms) return;
  }
}

describe('stopwatch', () => {
  it('prints each lap with the wall and CPU time since the previous one when MODEL_QUANT_TIMING is set', () => {
    process.env.MODEL_QUANT_TIMING = '1';
    const out = captured(() => {
      const lap = stopwatch('evaluate');
      spin(60);
      lap('pass 1: run');
      lap('pass 2: open');
    });
    const lines = out.trim().split('\n');
    expect(lines).toHaveLength(2);
    const parse = (l: string) => {
      const m = /^timing evaluate: (.+?)\s+([\d.]+) s wall\s+([\d.]+) s CPU\s+(\d+) MB RSS$/.exec(l);
      expect(m, l).not.toBeNull();
      return { label: m![1], wall: Number(m![2]), cpu: Number(m![3]), rss: Number(m![4]) };
    };
    const [first, second] = lines.map(parse);
    expect(first!.label).toBe('pass 1: run');
    // 60 ms of CPU spent in the first lap: at least 0.06 s of each; the second lap did nothing.
    expect(first!.cpu).toBeGreaterThanOrEqual(0.06);
    expect(first!.wall).toBeGreaterThanOrEqual(0.06);
    expect(second!.label).toBe('pass 2: open');
    expect(second!.cpu).toBeLessThan(0.05);
    // The process's resident set at each lap, in MB: what Node reports now, within what a lap allocates.
    const rss = process.memoryUsage.rss() / 2 ** 20;
    for (const l of [first!, second!]) expect(Math.abs(l.rss - rss)).toBeLessThan(50);
  });

  it('prints nothing when MODEL_QUANT_TIMING is not set', () => {
    delete process.env.MODEL_QUANT_TIMING;
    const out = captured(() => {
      const lap = stopwatch('stage');
      spin(5);
      lap('quantize');
    });
    expect(out).toBe('');
  });
});
