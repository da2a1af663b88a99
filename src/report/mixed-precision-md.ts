import type { MixedPrecisionReport, PrecisionScore } from './types.js';

const kib = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
const signedKib = (n: number) => `${n >= 0 ? '+' : '−'}${kib(Math.abs(n))}`;
const ms = (v: number) => `${v.toFixed(v < 10 ? 2 : 1)} ms`;
/** Kept ops named inline; the rest are counted (report.json lists them all). */
const NAMED = 12;

/** What the mixed-precision search kept in float, what it gained and what it cost, for the Markdown report. */
export function mixedPrecisionLines(m: MixedPrecisionReport): string[] {
  // The drop's upper bound is what --max_drop is judged on; under --min_sqnr alone it is noise.
  const withBound = m.target.maxDrop !== undefined;
  const flags = [
    m.target.maxDrop !== undefined ? `--max_drop ${m.target.maxDrop}` : '',
    m.target.minSqnr !== undefined ? `--min_sqnr ${m.target.minSqnr}` : '',
  ].filter(Boolean);
  const lines = [
    '',
    `**Mixed precision** (\`${flags.join(' ')}\`: ${m.target.metric}, on ${m.samples} evaluation samples): ` +
      (m.met ? 'met' : '**not met**') +
      `; before ${figures(m.before, withBound)}, after ${figures(m.after, withBound)}.`,
  ];
  if (m.kept.length === 0) {
    if (m.undone) lines.push('', `${m.undone} op(s) were tried in float; none helped, so all stay int8.`);
    if (m.met) lines.push('', 'Nothing kept in float: the quantized model meets the target as it is.');
    return lines;
  }
  const named = m.kept
    .slice(0, NAMED)
    .map((k) => (k.members ? `${k.node}` : `\`${k.node}\` (${k.op})`))
    .join(', ');
  const more = m.kept.length > NAMED ? ` and ${m.kept.length - NAMED} more (report.json lists them)` : '';
  const movers = m.movers ? ` With them, ${m.movers} op(s) that only move values between them.` : '';
  const undone =
    (m.undone ? ` ${m.undone} more were tried and stay int8: in float they did not help.` : '') +
    (m.pruned
      ? ` ${m.pruned} op(s) of the kept groups went back to int8: the target held without them.`
      : '');
  const ops = new Set(m.kept.flatMap((k) => k.members ?? [k.node])).size;
  lines.push(
    '',
    `Kept in ${m.precision}: ${ops} of ${m.candidates} quantized ops: ${named}${more}.${movers}${undone}`,
  );
  lines.push('', precisionLine(m));
  if (m.searchMs !== undefined) lines.push('', searchLine(m));
  if (m.cost?.length) {
    lines.push('', '| format | size without → with | latency without → with |', '|---|---:|---:|');
    for (const c of m.cost) {
      const latency =
        c.latencyMs !== undefined && c.latencyMsWithout !== undefined
          ? `${ms(c.latencyMsWithout)} → ${ms(c.latencyMs)}`
          : '–';
      lines.push(
        `| ${c.format} | ${kib(c.bytesWithout)} → ${kib(c.bytes)} (${signedKib(c.bytes - c.bytesWithout)}) | ${latency} |`,
      );
    }
  }
  return lines;
}

/** Which kept ops run with int16 activations, and why the others (or all) are float. */
function precisionLine(m: MixedPrecisionReport): string {
  const int16 = m.int16 ?? [];
  if (int16.length === 0)
    return m.precisionNote
      ? `Kept ops run in ${m.precisionNote}.`
      : `Kept ops run in float: int16 activations (tried first where TFLite has 16x8 kernels) did not meet the target${m.int16Trials ? '' : ', or none has such kernels'}.`;
  const shown = int16.slice(0, NAMED).map((n) => `\`${n}\``);
  const more = int16.length > NAMED ? ` and ${int16.length - NAMED} more` : '';
  return `In int16 activations with int8 weights (16x8): ${int16.length} op(s): ${shown.join(', ')}${more}; the other kept ops run in float.`;
}

function figures(s: PrecisionScore, withBound: boolean): string {
  const parts: string[] = [];
  if (s.top1Accuracy !== undefined) parts.push(`top-1 ${(s.top1Accuracy * 100).toFixed(1)}%`);
  else if (s.characterAgreement !== undefined)
    parts.push(`character agreement ${(s.characterAgreement * 100).toFixed(2)}%`);
  else if (s.top1Agreement !== undefined)
    parts.push(`top-1 agreement ${(s.top1Agreement * 100).toFixed(2)}%`);
  if (withBound && s.dropBound !== undefined)
    parts.push(`drop at most ${s.dropBound.toFixed(2)} points (95%)`);
  parts.push(`${Number.isFinite(s.sqnrDb) ? s.sqnrDb.toFixed(1) : '∞'} dB`);
  return parts.join(', ');
}

/** How the search went: its time, what it judged where, and the switched model's estimate against the file. */
function searchLine(m: MixedPrecisionReport): string {
  const withBound = m.target.maxDrop !== undefined;
  const files = m.fileEvaluations ?? m.evaluations;
  const parts = [
    `Search: ${(m.searchMs! / 1000).toFixed(1)} s` +
      (m.searchCpuMs !== undefined ? ` (CPU ${(m.searchCpuMs / 1000).toFixed(1)} s)` : '') +
      `, ${m.evaluations} candidates judged (${files} as written files` +
      `${m.evaluations > files ? ', the rest on one switched session' : ''})` +
      (m.msPerCandidate !== undefined ? `, ${m.msPerCandidate} ms per ranked candidate` : ''),
  ];
  if (m.estimate && m.verified)
    parts.push(
      `its choice estimated at ${figures(m.estimate, withBound)}, measured as a file at ${figures(m.verified, withBound)}`,
    );
  return `${parts.join('; ')}.`;
}
