import type { Model } from '../ir/graph.js';
import type { Tensor } from '../ir/tensor.js';
import { exportOnnx } from '../formats/onnx/export.js';
import { createOrtSession } from '../runtime/ort.js';
import {
  ChannelMaxObserver,
  ChannelMeanObserver,
  observedRange,
  rangeObserver,
  type CalibMethod,
  type Range,
} from './observers.js';

export type Feeds = Record<string, Tensor>;

/** Calibration or evaluation samples, readable more than once (calibration and evaluation each read them). */
export interface SampleSource {
  readonly count: number;
  /** 'data' when read from the user's files, 'synthetic' when drawn by the tool. */
  readonly kind: 'data' | 'synthetic';
  samples(): AsyncIterable<Feeds>;
}

export interface CalibrationOptions {
  method: CalibMethod;
  percentile: number;
  onSample?: (pass: number, done: number, total: number) => void;
  signal?: AbortSignal;
  /** Tensors (among those calibrated) whose per-channel means are gathered too. */
  channelMeans?: string[];
  /** Tensors (among those calibrated) whose per-channel maxima are gathered too. */
  channelMaxima?: string[];
}

export interface CalibrationStats {
  ranges: Map<string, Range>;
  /** Per-channel means (axis 1) of the tensors named in `channelMeans`. */
  means: Map<string, Float64Array>;
  /** Per-channel maxima (axis 1) of the tensors named in `channelMaxima`. */
  maxima: Map<string, Float64Array>;
}

/**
 * Runs the float model in ONNX Runtime with every tensor in `tensors` made an extra output, streaming once
 * over the samples, and turns the observed statistics into a range per tensor. Histogram methods fill
 * histograms whose range grows with the values seen (GrowingHistogramObserver), so one pass suffices.
 */
export async function calibrate(
  model: Model,
  tensors: string[],
  source: SampleSource,
  opts: CalibrationOptions,
): Promise<Map<string, Range>> {
  return (await calibrateStats(model, tensors, source, opts)).ranges;
}

/** `calibrate`, with per-channel means and maxima of the tensors named in `opts` gathered in the same pass. */
export async function calibrateStats(
  model: Model,
  tensors: string[],
  source: SampleSource,
  opts: CalibrationOptions,
): Promise<CalibrationStats> {
  const g = model.graph.clone();
  const existing = new Set(g.outputs.map((o) => o.name));
  for (const name of tensors) if (!existing.has(name)) g.outputs.push({ name });
  const session = await createOrtSession(exportOnnx({ ...model, graph: g }).bytes);
  const runtimeInputs = new Set(session.inputNames);
  const outputs = tensors.filter((t) => session.outputNames.includes(t));
  try {
    const observers = new Map(tensors.map((t) => [t, rangeObserver(opts.method)]));
    const meanObservers = new Map((opts.channelMeans ?? []).map((t) => [t, new ChannelMeanObserver()]));
    const maxObservers = new Map((opts.channelMaxima ?? []).map((t) => [t, new ChannelMaxObserver()]));
    const each = (name: string, data: Float32Array, dims: readonly number[]) => {
      observers.get(name)?.observe(data);
      meanObservers.get(name)?.observe(data, dims);
      maxObservers.get(name)?.observe(data, dims);
    };
    let done = 0;
    for await (const feeds of source.samples()) {
      opts.signal?.throwIfAborted();
      for (const name of tensors)
        if (runtimeInputs.has(name) && feeds[name]) each(name, feeds[name].toFloat32(), feeds[name].dims);
      const result = await session.run(feeds, outputs);
      for (const [name, t] of Object.entries(result))
        if (t.dtype === 'float32') each(name, t.data as Float32Array, t.dims);
      opts.onSample?.(1, ++done, source.count);
    }
    const ranges = new Map<string, Range>(
      [...observers].map(([name, o]) => [name, observedRange(o, opts.method, opts.percentile)]),
    );
    const means = new Map([...meanObservers].map(([k, o]) => [k, o.means()]));
    const maxima = new Map([...maxObservers].map(([k, o]) => [k, o.result()]));
    return { ranges, means, maxima };
  } finally {
    await session.close();
  }
}
