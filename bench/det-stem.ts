/**
 * Where pow2 loses PP-OCRv4 det: the text-mask IoU (.onnx in ORT at 'basic') when only part of the model
 * is int8 (every other node kept float with --exclude), at the grid each tensor's range gives and with a
 * named tensor one grid finer (its calibrated range halved before the exponents are picked, so values past
 * the new grid clip). Run alone: `npx tsx bench/det-stem.ts` (12 + 12 pages at 640 x 640);
 * DET_PAGE=320, DET_PAGES=n, DET_ROWS=a,b as in det-mean-shift.ts.
 *
 * Measured (12 + 12 pages at 640 x 640, pow2 B16, default settings; all int8: 0.629):
 * int8 alone in nodes 0-15 (the first stage) 0.677, 16-50 0.885, 51-82 0.940, the neck and head 0.944;
 * the stem alone (nodes 0-5: Conv.0, the depthwise Conv.1, HardSwish, the 1x1 Conv.2, HardSwish, the
 * affine block's Add) 0.652. Each stem node alone, the rest float: Conv.1 0.689, its HardSwish 0.622,
 * Conv.2 0.645, the next HardSwish 0.723. Conv.1's output p2o.Add.3 on 0.25 rather than its range's 0.5
 * (clipping its tails at 31.75, from [-58, 39]) takes Conv.1 alone to 0.975; Conv.2's output p2o.Add.11
 * on 0.5 rather than 1 takes Conv.2 alone to 0.624 (no better), on 0.25 to 0.844 (affine, each alone:
 * 0.960 and 0.925). The fixes do not compose: the stem's five tensors each on the grid that did best
 * alone read 0.673 with only the stem int8 (0.652 on the range's grids), 0.642 with all int8.
 * The loss is systematic, not noise: on the flat paper each early channel is a constant, and where that constant falls between two grid points
 * decides the offset every paper pixel carries (the mean of the per-channel error, not its variance, is
 * what the mask follows: squared error picks 0.5 for p2o.Add.3, by 0.074 against 0.086 through the
 * HardSwish, while its squared per-channel mean error is 6 times smaller on 0.25; 320 x 288, 4 pages).
 * Exponent rules tried on the whole model (320 x 288, 4 + 4 pages: default 0.564): --activation_exponents
 * error 0.563, range 0.571, --weight_exponents error 0.567; per tensor, the grid of least per-channel mean
 * error (through a HardSwish reader) 0.678, that plus the variance over 9 (a 3x3 window) 0.751, for Conv
 * inputs only with the variance over the Conv's fan-in 0.590; every tensor one grid finer 0.689, two finer
 * 0.046; nine stem and first-stage tensors chosen greedily by the output's SQNR on the calibration pages
 * 4.7 -> 8.1 dB, IoU 0.759. Hand picks for the stem that read 0.72-0.83 there read 0.642-0.647 at 640
 * (12 + 12): at 320 with 4 pages the paper's constants fall on other grid points, and the gains do not
 * carry. What the mask needs is the per-channel mean on the paper right, which no choice among
 * power-of-two grids guarantees: --bias_correction measured (0.837 at 640) moves the biases instead.
 * With two grey levels of sensor noise on the pages (DET_NOISE=2, det-mask.ts) the same rows read: stem
 * alone 0.915, Conv.1 alone 0.969, Conv.2 alone 0.906, all int8 0.899: the noise spreads each paper
 * constant over neighbouring grid points.
 */
import { quantizeFloatModel } from '../src/quant/quantize.js';
import { calibrateStats } from '../src/quant/calibrate.js';
import { exportOnnx } from '../src/formats/onnx/export.js';
import { onnxGraph } from '../src/pipeline/outputs.js';
import { detPages, maskIou, masks, ortRun, PAGE, type DetPages, POW2 } from './det-mask.js';
import { table } from './section.js';

const PAGES = Number(process.env.DET_PAGES ?? 12);

/** The stem's tensors on the grids that did best one node at a time (a name twice: two grids finer). */
const STEM_FINER = [
  ...['p2o.Add.3', 'hardswish_58.tmp_0', 'p2o.Add.11', 'p2o.Add.11'],
  ...['hardswish_59.tmp_0', 'hardswish_59.tmp_0', 'p2o.Add.15', 'p2o.Add.15'],
];

/** A row: node indices (in the optimized graph's order) left int8, and tensors put one grid finer. */
interface Row {
  label: string;
  int8: [number, number][];
  finer?: string[];
}
const ROWS: Row[] = [
  { label: 'all int8', int8: [[0, Infinity]] },
  { label: 'first stage (0-15)', int8: [[0, 15]] },
  { label: 'nodes 16-50', int8: [[16, 50]] },
  { label: 'nodes 51-82', int8: [[51, 82]] },
  { label: 'neck and head (83-)', int8: [[83, Infinity]] },
  { label: 'stem (0-5)', int8: [[0, 5]] },
  { label: 'Conv.1', int8: [[1, 1]] },
  { label: 'Conv.1 + p2o.Add.3 finer', int8: [[1, 1]], finer: ['p2o.Add.3'] },
  { label: 'HardSwish Div.0', int8: [[2, 2]] },
  { label: 'Conv.2', int8: [[3, 3]] },
  { label: 'Conv.2 + p2o.Add.11 finer', int8: [[3, 3]], finer: ['p2o.Add.11'] },
  { label: 'HardSwish Div.1', int8: [[4, 4]] },
  { label: 'Conv.2 + p2o.Add.11 two finer', int8: [[3, 3]], finer: ['p2o.Add.11', 'p2o.Add.11'] },
  { label: 'stem + five tensors finer', int8: [[0, 5]], finer: STEM_FINER },
  { label: 'all int8 + five tensors finer', int8: [[0, Infinity]], finer: STEM_FINER },
];

/** The IoU of the .onnx with only `row`'s nodes int8. */
async function rowIou(d: DetPages, row: Row): Promise<number> {
  const nodes = d.model.graph.nodes;
  const int8 = (i: number) => row.int8.some(([a, b]) => i >= a && i <= b);
  const exclude = nodes.flatMap((n, i) => (int8(i) || !n.name ? [] : [n.name]));
  // Halving a calibrated range moves the range's grid one power of two finer.
  const calibrate: typeof calibrateStats = async (...args) => {
    const stats = await calibrateStats(...args);
    for (const t of row.finer ?? []) {
      const r = stats.ranges.get(t);
      if (!r) throw new Error(`${t} has no calibrated range`);
      stats.ranges.set(t, { min: r.min / 2, max: r.max / 2 });
    }
    return stats;
  };
  const q = await quantizeFloatModel(d.model, { ...POW2, exclude }, d.calib, { calibrate });
  const run = await ortRun(
    exportOnnx({ ...q.model, graph: onnxGraph(q.model, { onnxFormat: 'qdq' }) }).bytes,
    d.input,
  );
  try {
    return maskIou(d.float, await masks(run, d.pages));
  } finally {
    await run.close();
  }
}

async function main(): Promise<void> {
  const d = await detPages({ count: PAGES, seed: 303 }, { count: PAGES, seed: 404 }, PAGE);
  const picked = process.env.DET_ROWS?.split(',');
  const rows: string[][] = [];
  for (const row of ROWS.filter((r) => !picked || picked.includes(r.label))) {
    rows.push([row.label, (await rowIou(d, row)).toFixed(4)]);
    console.log(rows.at(-1)!.join('\t'));
  }
  console.log(
    `\nPP-OCRv4 det, pow2 B16, text-mask IoU of the .onnx against float with only these nodes int8, ` +
      `${PAGES} + ${PAGES} pages at ${d.pages[0]!.dims.slice(2).join('x')}:\n`,
  );
  console.log(table(['int8 nodes', '.onnx IoU'], rows));
}

await main();
