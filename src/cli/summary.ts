import type { ProgressEvent, Report } from '../pipeline.js';

/** A plain-text table of what was written: size, ratio to the input, and agreement with float per output. */
export function summaryTable(r: Report): string {
  const lines = [`input  ${r.input.path}  ${kb(r.input.bytes)}`];
  if (r.calibration) {
    lines.push(
      `calibration  ${r.calibration.samples} ${r.calibration.source} samples, ${r.calibration.method}${r.calibration.source === 'synthetic' ? ' (data-free: no --calib_data given)' : ''}`,
    );
  }
  lines.push('', 'format  file  size  ratio  output  SQNR dB  cosine  top-1 agree');
  for (const o of r.outputs) {
    const ratio = (o.bytes / r.input.bytes).toFixed(3);
    const metrics = Object.entries(o.metrics ?? { '-': undefined });
    for (const [name, m] of metrics) {
      const cells = m
        ? [
            fmt(m.sqnrDb, 1),
            m.cosine.toFixed(4),
            m.top1Agreement === undefined ? '-' : `${(m.top1Agreement * 100).toFixed(1)}%`,
          ]
        : ['-', '-', '-'];
      lines.push([o.format, o.path, kb(o.bytes), ratio, name, ...cells].join('  '));
    }
  }
  if (r.float.length) lines.push('', `${r.float.length} node(s) left in float (see the report)`);
  return `${lines.join('\n')}\n`;
}

const kb = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
const fmt = (v: number, d: number) => (Number.isFinite(v) ? v.toFixed(d) : v > 0 ? 'inf' : '-inf');

/** Progress on stderr: one line per stage, and a sample count every 10% during calibration. */
export function progressPrinter(write: (s: string) => void): (e: ProgressEvent) => void {
  let last = '';
  return (e) => {
    if (e.done === undefined || e.total === undefined) {
      write(`model-quant: ${e.stage}\n`);
      return;
    }
    const step = Math.max(1, Math.round(e.total / 10));
    if (e.done % step !== 0 && e.done !== e.total) return;
    const line = `model-quant: ${e.stage} ${e.done}/${e.total}`;
    if (line !== last) write(`${line}\n`);
    last = line;
  };
}
