import type { Model } from '../ir/graph.js';
import {
  calibrateStats,
  type CalibrationOptions,
  type CalibrationStats,
  type SampleSource,
} from './calibrate.js';
import { elementTypes } from './dtypes.js';
import type { Range } from './observers.js';

/**
 * calibrateStats for a search that quantizes one float model many times, each time with another exclude
 * list (src/pipeline/mixed-precision.ts). A tensor's range and histogram depend on that
 * tensor's values alone, so they are gathered once and handed out again: the first call observes every
 * float tensor the graph computes (what any exclude list may ask for), later calls run the model only
 * for what was never observed. Every call must pass the same samples and method (the search does: one
 * run's calibration set and settings); channel maxima (equalization) are not memoized.
 */
export function calibrationMemo(): typeof calibrateStats {
  const ranges = new Map<string, Range>();
  const histograms: CalibrationStats['histograms'] = new Map();
  const observed = new Set<string>();
  return async (model: Model, tensors: string[], source: SampleSource, opts: CalibrationOptions) => {
    let missing = tensors.filter((t) => !observed.has(t));
    if (missing.length) {
      if (observed.size === 0) missing = [...new Set([...missing, ...floatValues(model)])];
      const fresh = await calibrateStats(model, missing, source, { ...opts, channelMaxima: undefined });
      for (const t of missing) observed.add(t);
      for (const [k, v] of fresh.ranges) ranges.set(k, v);
      for (const [k, v] of fresh.histograms) histograms.set(k, v);
    }
    const pick = <T>(from: Map<string, T>, names: string[]) =>
      new Map(names.flatMap((n) => (from.has(n) ? [[n, from.get(n)!] as const] : [])));
    return {
      ranges: pick(ranges, tensors),
      histograms: pick(histograms, tensors),
      maxima: new Map(),
    };
  };
}

/** The float tensors the graph computes, and its float inputs. */
function floatValues(model: Model): string[] {
  const g = model.graph;
  const types = elementTypes(g);
  const names = [...g.runtimeInputs().map((v) => v.name), ...g.nodes.flatMap((n) => n.outputs)];
  return names.filter((n) => n && types.get(n) === 'float32');
}
