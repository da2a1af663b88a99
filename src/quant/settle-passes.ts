/**
 * Empirical bias correction layer after layer (Nagel et al. 2019), shared by its two uses: pow2
 * --rounding floor against the rounding twin (tflite/floor-measured.ts) and --bias_correction measured
 * against the float model (bias-measured.ts).
 *
 * Moving a layer's bias changes what reaches every layer after it, so a layer is settled only once the
 * layers before it are: each pass runs the model once over the samples and settles the shallowest layers
 * (by depth: how many such layers precede them on the longest path) that still differ. Settling every
 * layer from one run diverges (PP-OCRv4 det under pow2: IoU 0.63 -> 0.05; PP-OCR cls under --rounding
 * floor: -0.4 dB), since the shifts compound through nonlinear ops.
 *
 * The floor settles (tflite/floor-measured.ts, floor-float.ts) keep this order but run the integer executor
 * as one sweep in depth order over the samples (tflite/device-sweep.ts) instead of settleByDepth's run per
 * depth; bias-measured.ts runs ONNX Runtime, a whole model per pass.
 */
import { topoSort, type Graph, type Node } from '../ir/graph.js';

/** Each node `isLayer` picks, with how many picked nodes precede it on the longest path, in graph order. */
export function layerDepths(g: Graph, isLayer: (node: Node) => boolean): { node: Node; depth: number }[] {
  const depthOf = new Map<string, number>();
  const layers: { node: Node; depth: number }[] = [];
  for (const node of topoSort(g)) {
    const before = Math.max(0, ...node.inputs.map((v) => depthOf.get(v) ?? 0));
    const layer = isLayer(node);
    for (const o of node.outputs) depthOf.set(o, before + (layer ? 1 : 0));
    if (layer) layers.push({ node, depth: before });
  }
  return layers;
}

export interface Passes<L> {
  /**
   * Runs the current model once over the samples; returns whether a layer still differs (the run's
   * measurement kept for `settle`).
   */
  measure(): Promise<(layer: L) => boolean>;
  /** Settles these layers (one depth) from the last measurement. */
  settle(layers: L[]): void;
  /** Settling runs allowed (one depth each); one more run measures where they leave the model. */
  maxPasses: number;
  /** After each run: runs so far, layers settled, layers in all. */
  onPass?(passes: number, settled: number, total: number): void;
}

/** Settles `layers` depth by depth; returns the runs it took (the final measurement included). */
export async function settleByDepth<L extends { depth: number }>(layers: L[], p: Passes<L>): Promise<number> {
  const settled = new Set<L>();
  for (let passes = 1; ; passes++) {
    const differs = await p.measure();
    p.onPass?.(passes, settled.size, layers.length);
    const open = layers.filter((l) => !settled.has(l) && differs(l));
    if (!open.length || passes > p.maxPasses) return passes;
    const depth = Math.min(...open.map((l) => l.depth));
    const now = open.filter((l) => l.depth === depth);
    for (const l of now) settled.add(l);
    p.settle(now);
  }
}

/**
 * The mean e of per-sample errors, drawn towards 0 as far as its noise calls for: times 1 - v / e^2, v the
 * variance of the mean. An FC channel sees one value a sample, and on 32 samples the weight-rounding noise
 * of a narrow layer (MMoE's towers) can pass for a shift (tflite/floor-float.ts).
 */
export function shrunkError(errors: number[]): number {
  const n = errors.length;
  if (!n) return 0;
  const e = errors.reduce((t, v) => t + v, 0) / n;
  const v = n > 1 ? errors.reduce((t, x) => t + (x - e) ** 2, 0) / (n - 1) / n : 0;
  return e !== 0 ? Math.max(0, 1 - v / e ** 2) * e : 0;
}

/**
 * The mean e of per-sample errors times e^2 / (e^2 + v), v the variance of the mean: the gentler pull
 * towards 0 of bias-measured.ts, which keeps half of e where v = e^2 (shrunkError keeps none).
 */
export function weightedError(errors: number[]): number {
  const n = errors.length;
  if (!n) return 0;
  const e = errors.reduce((t, v) => t + v, 0) / n;
  const v = n > 1 ? errors.reduce((t, x) => t + (x - e) ** 2, 0) / (n - 1) / n : 0;
  return e !== 0 ? (e * e * e) / (e * e + v) : 0;
}
