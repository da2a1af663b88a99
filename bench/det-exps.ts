/** Probe (dev, PP-OCRv4 det pow2 B16 default, DET_PAGE): each activation's grid against the one its range gives (log2 of the ratio), by node index. */
import { quantizeFloatModel } from '../src/quant/quantize.js';
import { pow2ActivationScale } from '../src/quant/params.js';
import { detPages, PAGE, POW2, withDenseInt16 } from './det-mask.js';

const d = await detPages({ count: 12, seed: 303 }, { count: 1, seed: 404 }, PAGE);
const q = await quantizeFloatModel(d.model, withDenseInt16(d, POW2), d.calib);
const idx = new Map<string, number>();
d.model.graph.nodes.forEach((n, i) => n.outputs.forEach((o) => idx.set(o, i)));
const op = new Map(d.model.graph.nodes.flatMap((n) => n.outputs.map((o) => [o, n.opType] as const)));
const s0 = q.inputScales[d.input]!;
for (const [t, p] of q.activations) {
  const r = q.ranges.get(t);
  if (!r) continue;
  const rs = pow2ActivationScale(r, s0);
  const k = Math.round(Math.log2(p.scale[0]! / rs));
  console.log(
    `${idx.get(t) ?? '-'}\t${op.get(t) ?? '?'}\t${t}\t${k}\t${(p.scale[0]! * 127).toFixed(3)}\t${r.min.toFixed(2)}..${r.max.toFixed(2)}`,
  );
}
