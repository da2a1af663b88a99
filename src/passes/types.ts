import type { Graph } from '../ir/graph.js';

/** What a pass knows of the model around the graph. */
export interface PassContext {
  /** The default-domain opset the model imports; 0 when it imports none (a TFLite graph). */
  opset: number;
  irVersion: number;
}

/** What a pass matched and rewrote, by rule name. */
export type PassStats = Record<string, number>;

export interface PassResult {
  graph: Graph;
  stats: PassStats;
}

/**
 * A pass is a pure function of a graph: it returns a new Graph and never mutates its input; constant
 * tensors are shared, not copied.
 */
export type Pass = (graph: Graph, ctx: PassContext) => PassResult;

export function addStats(into: PassStats, from: PassStats): void {
  for (const [k, v] of Object.entries(from)) if (v) into[k] = (into[k] ?? 0) + v;
}

export const totalRewrites = (stats: PassStats): number => Object.values(stats).reduce((a, b) => a + b, 0);
