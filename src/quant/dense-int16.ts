import { indexGraph, topoSort, type Graph } from '../ir/graph.js';
import { inferTypes } from '../ir/shapes.js';

/**
 * The early stages of a dense predictor, for int16 activations under affine (default; `--dense_int16`).
 *
 * A model whose output is a per-pixel map of its input (a graph output with the input's height and width:
 * text detection, segmentation) draws boundaries from its early, high-resolution activations. On the
 * flat regions such inputs are mostly made of (paper, sky, a wall) each early channel is one constant, so
 * its int8 rounding error is one offset shared by every pixel of the region; it does not average out, and
 * which grid point each constant lands between decides the output. Measured on PP-OCRv4 det (640 x 640,
 * 12 held-out rendered pages, text mask p > 0.3 against float): int8 masks come out shifted by 1-3 pixels
 * across each text line (not ragged edges), the loss sits in the nodes at stride 2 and 4 (those alone
 * int8: 0.767 on one calibration set; every later part alone 0.97-0.997), and the IoU swings with the
 * calibration set (0.9595 / 0.768 / 0.760). These nodes in int16: 0.9635 / 0.9592 / 0.9546 (.onnx;
 * .tflite alike); only the stride-2 ones: 0.902 / 0.962 / 0.945.
 *
 * The early stages: the nodes reached from a model input through nodes of this set only, whose outputs
 * are 4-D maps at least 1/EARLY_STRIDE of the input's height and width (NCHW, the IR's layout), in a
 * model that has coarser maps too (an encoder). The decoder's upsampled maps come from coarser nodes and
 * are not in it; a model at full resolution throughout has no early stages and stays as it is.
 */
export const EARLY_STRIDE = 4;

/**
 * Names of the nodes of `g` in the early stages when a graph output is a per-pixel map of a 4-D input,
 * else none. `inputShapes`: concrete shapes of the runtime inputs (the samples' shapes).
 */
export function denseEarlyNodes(g: Graph, inputShapes: Map<string, readonly number[]>): string[] {
  const planes = [...inputShapes.values()].filter((d) => d.length === 4).map((d) => [d[2]!, d[3]!]);
  if (planes.length === 0) return [];
  const concrete = g.clone();
  concrete.inputs = g.inputs.map((v) => {
    const dims = inputShapes.get(v.name);
    return dims && v.type?.kind === 'tensor' ? { ...v, type: { ...v.type, shape: [...dims] } } : v;
  });
  const types = inferTypes(concrete);
  const plane = (name: string): [number, number] | undefined => {
    const t = types.get(name);
    if (t?.kind !== 'tensor' || t.shape?.length !== 4) return undefined;
    const [h, w] = [t.shape[2], t.shape[3]];
    return typeof h === 'number' && typeof w === 'number' ? [h, w] : undefined;
  };
  const perPixel = g.outputs.some((o) => {
    const p = plane(o.name);
    return p !== undefined && planes.some(([h, w]) => p[0] === h && p[1] === w);
  });
  // An encoder that goes coarser than the early stages: without one (a model at full resolution
  // throughout) there are no early stages to tell apart, and the rule leaves the model as it is.
  const fine = (p: [number, number]) =>
    planes.some(([h, w]) => p[0] * EARLY_STRIDE >= h && p[1] * EARLY_STRIDE >= w);
  const coarser = g.nodes.some((n) =>
    n.outputs.some((o) => {
      const p = plane(o);
      return p !== undefined && !fine(p);
    }),
  );
  if (!perPixel || !coarser) return [];
  const index = indexGraph(g);
  const early = new Set(g.inputs.filter((v) => inputShapes.get(v.name)?.length === 4).map((v) => v.name));
  const names: string[] = [];
  for (const node of topoSort(g)) {
    const reads = node.inputs.filter((i) => i && !g.constant(i, index));
    if (reads.length === 0 || !reads.every((i) => early.has(i))) continue;
    if (
      !node.outputs.every((o) => {
        const p = plane(o);
        return p !== undefined && fine(p);
      })
    )
      continue;
    for (const o of node.outputs) early.add(o);
    if (node.name) names.push(node.name);
  }
  return names;
}

/**
 * The named nodes of `g` past its early stages (`early`, from denseEarlyNodes): under pow2 B16 their
 * activations take the grid one finer than their range gives (--dense_finer; QuantSettings.pow2FinerLate).
 */
export function denseLaterNodes(g: Graph, early: readonly string[]): string[] {
  if (early.length === 0) return [];
  const set = new Set(early);
  return g.nodes.filter((n) => n.name && !set.has(n.name)).map((n) => n.name);
}
