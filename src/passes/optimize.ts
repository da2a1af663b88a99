import { opsetVersion, type Model } from '../ir/graph.js';
import { inferShapes } from '../ir/shapes.js';
import { annotateActivations } from './annotate-activations.js';
import { foldBatchNorm } from './fold-batchnorm.js';
import { foldConstants } from './fold-constants.js';
import { fuseConvAffine } from './fuse-conv-affine.js';
import { fuseHardSwish } from './fuse-hardswish.js';
import { fuseMatMulAddIntoGemm } from './fuse-matmul-add.js';
import { fusePadIntoConv } from './fuse-pad-conv.js';
import { removeDead } from './remove-dead.js';
import { removeNoOps } from './remove-no-ops.js';
import { splitBatchNorm } from './split-batchnorm.js';
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
  const ctx: PassContext = { opset: opsetVersion(model, '') ?? 0, irVersion: model.irVersion };
  const rules: PassStats = {};
  let graph = model.graph;
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
  for (const pass of FINAL_PASSES) {
    const r = pass.run(graph, ctx);
    graph = r.graph;
    addStats(rules, r.stats);
  }
  graph = inferShapes(graph, { opset: ctx.opset });
  return {
    model: { ...model, graph },
    report: { nodesBefore: model.graph.nodes.length, nodesAfter: graph.nodes.length, rules },
  };
}
