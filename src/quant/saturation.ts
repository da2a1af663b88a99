import { indexGraph, type Graph } from '../ir/graph.js';
import { getOp } from '../ops/index.js';
import type { Range } from './observers.js';

/**
 * The calibrated range of every tensor that only saturating ops read, cut to where they still respond
 * (their descriptors' `saturatesOutside`, widest over the readers). Clamping such a tensor changes none
 * of its readers' outputs, so int8 steps spent past the cut buy nothing; a grid over the cut range is
 * finer by the share it drops (a min/max cut lands within half a step, where the zero point rounds).
 *
 * Why: PP-OCRv4 det's backbone (PP-LCNetV3) feeds conv outputs spread over [-116, 115] to HardSwish,
 * which is 0 for every x <= -3. One tensor of them quantized alone (the rest float) took the det map
 * to 10 dB; over [-3, 115] to 18 dB. TFLite's converter does the same for the ReLU family by fusing it.
 *
 * `g` is the graph the ranges were calibrated on, or one with the same tensor names before HardSwish is
 * split into HardSigmoid and Mul (the product is 0 wherever the HardSigmoid is, so the cut still holds).
 * Graph outputs and tensors read as any other input than input 0 keep their ranges.
 */
export function clampToSaturation(g: Graph, ranges: Map<string, Range>): Map<string, Range> {
  const index = indexGraph(g);
  const constant = (name: string) => g.initializers.get(name);
  const out = new Map(ranges);
  for (const [name, r] of ranges) {
    const readers = index.consumers.get(name) ?? [];
    if (readers.length === 0 || index.graphOutputs.has(name)) continue;
    let lo = Infinity;
    let hi = -Infinity;
    for (const n of readers) {
      const live =
        n.inputs.indexOf(name) === 0 && n.inputs.lastIndexOf(name) === 0
          ? getOp(n.opType, n.domain)?.saturatesOutside?.(n, constant)
          : undefined;
      if (!live) {
        lo = -Infinity;
        hi = Infinity;
        break;
      }
      lo = Math.min(lo, live[0]);
      hi = Math.max(hi, live[1]);
    }
    if (lo === -Infinity && hi === Infinity) continue;
    const clamp = (v: number) => Math.min(hi, Math.max(lo, v));
    out.set(name, { min: clamp(r.min), max: clamp(r.max) });
  }
  return out;
}
