/**
 * Probe (dev; issue 16): PP-OCRv4 det's activation grids under pow2 B16 with the CLI's defaults, on one of
 * det-mask.ts's three calibration sets, written to /tmp/s18-exps-<set>.tsv (node index in the quantizer's
 * graph, op, tensor, log2 of the grid, log2 of the grid its range as the quantizer holds it gives, that
 * range) to compare the sets. `npx tsx bench/det-exps-sets.ts drawn12`, `DET_SPREAD=1 ... spread12`,
 * `... drawn24`; DET_PAGE as in det-mask.ts.
 *
 * Measured (640 x 640, session 18): of 173 activations two take another grid between the sets. p2o.Add.11
 * (Conv.2's output, which the stem's second HardSwish reads): 1 on drawn 12, 0.5 on spread 12 and drawn
 * 24, its range before --dense_finer halves it +-129.2 against +-124.1 / +-124.4, either side of 127; and
 * relu_2.tmp_0: 2^-4 on spread 12, 2^-3 on the others. The first is the whole difference between drawn
 * 12's text-mask IoU and the others' (0.8336 against 0.8954 / 0.8958; bench/det-grid.ts, session 18).
 */
import { writeFileSync } from 'node:fs';
import { quantizeFloatModel } from '../src/quant/quantize.js';
import { pow2ActivationScale } from '../src/quant/params.js';
import { detPages, PAGE, POW2, withDenseInt16 } from './det-mask.js';

const which = process.argv[2] ?? 'drawn12';
const count = which === 'drawn24' ? 24 : 12;
const d = await detPages({ count, seed: 303 }, { count: 1, seed: 404 }, PAGE);
const q = await quantizeFloatModel(d.model, withDenseInt16(d, POW2), d.calib);
const idx = new Map<string, number>();
q.floatReference.graph.nodes.forEach((n, i) => n.outputs.forEach((o) => idx.set(o, i)));
const op = new Map(q.floatReference.graph.nodes.flatMap((n) => n.outputs.map((o) => [o, n.opType] as const)));
const s0 = q.inputScales[d.input]!;
const lines: string[] = [];
for (const [t, p] of q.activations) {
  const r = q.ranges.get(t);
  if (!r) continue;
  const rs = pow2ActivationScale(r, s0);
  lines.push(
    `${idx.get(t) ?? '-'}\t${op.get(t) ?? '?'}\t${t}\t${Math.log2(p.scale[0]!)}\t${Math.log2(rs)}\t${r.min.toFixed(3)}\t${r.max.toFixed(3)}`,
  );
}
writeFileSync(`/tmp/s18-exps-${which}.tsv`, lines.join('\n') + '\n');
console.log(which, lines.length, 'input scale', s0);
