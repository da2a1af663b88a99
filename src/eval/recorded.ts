import type { Tensor } from '../ir/tensor.js';
import type { Feeds, SampleSource } from '../quant/calibrate.js';
import type { Reference } from './evaluate.js';

/**
 * A reference and a sample source that remember, while compareOutputs streams through them once, each
 * sample's feeds and the reference's outputs for it, up to `budgetBytes` in all. `replay` then serves
 * both again from memory: later candidates run over the same samples without the float model running (or
 * synthetic samples being drawn) a second time, and without the float session open beside them. Past the
 * budget nothing is kept and `replay` gives undefined (the caller streams from the source again).
 */
export interface Recording {
  reference: Reference;
  source: SampleSource;
  replay(): { reference: Reference; source: SampleSource } | undefined;
}

export function recording(reference: Reference, source: SampleSource, budgetBytes: number): Recording {
  const kept: { feeds: Feeds; outputs?: Record<string, Tensor> }[] = [];
  let bytes = 0;
  let over = false;
  const count = (t: Record<string, Tensor>) => {
    for (const x of Object.values(t)) bytes += ArrayBuffer.isView(x.data) ? x.data.byteLength : 0;
    if (bytes > budgetBytes) {
      over = true;
      kept.length = 0;
    }
  };
  const byFeeds = new Map<Feeds, Record<string, Tensor>>();
  return {
    reference: {
      outputNames: reference.outputNames,
      async run(feeds) {
        const outputs = await reference.run(feeds);
        const entry = over ? undefined : kept.find((k) => k.feeds === feeds && !k.outputs);
        if (entry) {
          entry.outputs = outputs;
          count(outputs);
        }
        return outputs;
      },
      close: () => reference.close(),
    },
    source: {
      count: source.count,
      kind: source.kind,
      shapes: source.shapes,
      async *samples() {
        for await (const feeds of source.samples()) {
          if (!over) {
            kept.push({ feeds });
            count(feeds);
          }
          yield feeds;
        }
      },
    },
    replay() {
      if (over || !kept.length || kept.some((k) => !k.outputs)) return undefined;
      for (const k of kept) byFeeds.set(k.feeds, k.outputs!);
      return {
        reference: {
          outputNames: reference.outputNames,
          run: (feeds) => Promise.resolve(byFeeds.get(feeds)!),
          close: () => undefined,
        },
        source: {
          count: source.count,
          kind: source.kind,
          shapes: source.shapes,
          async *samples() {
            for (const k of kept) yield k.feeds;
          },
        },
      };
    },
  };
}
