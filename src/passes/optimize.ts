import { opsetVersion, type Graph, type Model } from '../ir/graph.js';
import { inferShapes } from '../ir/shapes.js';
import { annotateActivations } from './annotate-activations.js';
import { foldAffineIntoNextConv } from './fold-affine-into-next-conv.js';
import { foldBatchNorm } from './fold-batchnorm.js';
import { foldConstants } from './fold-constants.js';
import { fuseConvAffine } from './fuse-conv-affine.js';
import { fuseHardSwish, HARDSWISH_OPSET } from './fuse-hardswish.js';
import { fuseMatMulAddIntoGemm } from './fuse-matmul-add.js';
import { fusePadIntoConv } from './fuse-pad-conv.js';
import { removeDead } from './remove-dead.js';
import { removeNoOps } from './remove-no-ops.js';
import { splitBatchNorm } from './split-batchnorm.js';
import { upgradeOpset } from './upgrade-opset.js';
import { addStats, totalRewrites, type Pass, type PassContext, type PassStats } from './types.js';

/**
 * The graph optimizer: one list of passes, run in order until a whole round changes nothing. Each pass
 * is a pure function of the graph; their counts of what they rewrote make the report.
 */
export const PASSES: { name: string; run: Pass }[] = [
  { name: 'remove-no-ops', run: removeNoOps },
  { name: 'fold-constants', run: foldConstants },
  { name: 'fuse-pad-into-conv', run: fusePadIntoConv },
  { name: 'fuse-conv-affine', run: fuseConvAffine },
  { name: 'fold-batchnorm', run: foldBatchNorm },
  { name: 'fold-affine-into-next-conv', run: foldAffineIntoNextConv },
  { name: 'fuse-matmul-add-into-gemm', run: fuseMatMulAddIntoGemm },
  { name: 'fuse-hardswish', run: fuseHardSwish },
  // Last in the round: a BN no rule above could fold is split for the quantizer (SEED v1.2).
  { name: 'split-batchnorm', run: splitBatchNorm },
  { name: 'remove-dead', run: removeDead },
];

/** Runs once after the fixed point: it only annotates. */
export const FINAL_PASSES: { name: string; run: Pass }[] = [
  { name: 'annotate-activations', run: annotateActivations },
];

/** Rounds are few in practice (each rewrite removes nodes); the bound only guards against a cycle. */
const MAX_ROUNDS = 20;

export interface OptimizeReport {
  nodesBefore: number;
  nodesAfter: number;
  /** What was matched and rewritten, by rule, over all rounds. */
  rules: Record<string, number>;
}

export function optimize(model: Model): { model: Model; report: OptimizeReport } {
  const rules: PassStats = {};
  let ctx = contextOf(model);
  let graph = toFixedPoint(model.graph, ctx, rules);
  let out = model;
  // HardSwish exists from opset 14. A model at an older opset whose graph holds its decomposition
  // (PaddleOCR's hard-swish is x * Clip(x + 3, 0, 6) / 6) moves to 14, and the passes run on from there.
  if (ctx.opset > 0 && ctx.opset < HARDSWISH_OPSET) {
    const up = upgradeOpset({ ...model, graph }, HARDSWISH_OPSET).model;
    const upCtx = contextOf(up);
    if (totalRewrites(fuseHardSwish(up.graph, upCtx).stats) > 0) {
      rules[`upgrade-opset-${ctx.opset}-to-${HARDSWISH_OPSET}`] = 1;
      out = up;
      ctx = upCtx;
      graph = toFixedPoint(up.graph, ctx, rules);
    }
  }
  for (const pass of FINAL_PASSES) {
    const r = pass.run(graph, ctx);
    graph = r.graph;
    addStats(rules, r.stats);
  }
  graph = inferShapes(graph, { opset: ctx.opset });
  return {
    model: { ...out, graph },
    report: { nodesBefore: model.graph.nodes.length, nodesAfter: graph.nodes.length, rules },
  };
}

const contextOf = (m: Model): PassContext => ({ opset: opsetVersion(m, '') ?? 0, irVersion: m.irVersion });

/** PASSES in order, round after round, until a whole round changes nothing; counts into `rules`. */
function toFixedPoint(input: Graph, ctx: PassContext, rules: PassStats): Graph {
  let graph = input;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const before: PassStats = {};
    for (const pass of PASSES) {
      const r = pass.run(graph, ctx);
      graph = r.graph;
      addStats(before, r.stats);
    }
    addStats(rules, before);
    if (totalRewrites(before) === 0) break;
  }
  return graph;
}
