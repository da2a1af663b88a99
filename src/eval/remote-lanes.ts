/**
 * The state and tuning of remote-tflite.ts' worker lanes: how many samples a worker holds in flight, when a
 * helper starts, when a lane's later candidates open ahead, and the records TfliteWorkers keeps per lane
 * and per candidate.
 */
import type { Worker } from 'node:worker_threads';
import type { Feeds } from '../quant/calibrate.js';
import type { TfliteTarget } from './evaluate-tflite.js';
import type { Candidate, Outputs } from './evaluate.js';
import type { WireFeeds } from './worker-protocol.js';

/** Samples posted to a worker ahead of its results, at most: bounds the feeds copied into its queue. */
export const IN_FLIGHT = 4;

/**
 * Fewer for a slow candidate: the queue only has to outlast the main thread's ONNX Runtime run (which
 * blocks it, so that it posts nothing), and samples not posted yet can go to a helper. PP-OCRv4 det
 * affine at 640x640 in LiteRT (1.2 s a page): 2 in flight, where 4 left a helper 1 sample of 8.
 */
export const QUEUED_MS = 500;
export const inFlightAt = (pace: number | undefined) =>
  pace === undefined ? IN_FLIGHT : Math.max(2, Math.min(IN_FLIGHT, Math.ceil(QUEUED_MS / pace) + 1));

/**
 * A helper (see TfliteWorkers.start) is started when the main thread waits on a LiteRT candidate whose
 * samples not yet posted would take its worker at least this long (at the pace of its last result): the
 * helper's start (a worker, LiteRT's WASM, the file opened) costs about 0.3 s. Its LiteRT compiles the
 * same bytes the lane's worker did, still alive, and V8 shares that code (hot functions tiered up) between
 * the two: handing the helper the compiled WebAssembly.Module saved nothing (PP-OCRv4 det affine 640, the
 * helper's first page 1.05 s CPU either way; only a worker started after the first had exited paid 1.8 s).
 */
export const HELP_AFTER_MS = 1000;

/** When a helper starts (see TfliteWorkers.start); `heldBytes` in place of HELD_BYTES (tests). */
export interface HelpOptions {
  afterMs: number;
  heldBytes?: number;
}

/**
 * Outputs computed ahead and not read yet, at most (beyond it, a candidate runs only as far ahead of the
 * main thread's reading as IN_FLIGHT): PP-OCRv4 det at 640x640 with 16 samples holds 58 MB at most.
 */
export const HELD_BYTES = 128 * 2 ** 20;

/**
 * A lane's later candidates of a file open ahead, while its current one waits for samples, and the lanes
 * waiting on it start (LaneSpec.after), where an integer executor's values on the file take at most this
 * (Candidate.valueBytes, placed as buffer-plan.ts places them): the worker builds the device's executors
 * (tables, plans: about 0.3 s each on PP-OCRv4 rec) while the main thread opens its ONNX Runtime sessions,
 * and they run beside LiteRT and ONNX Runtime instead of after LiteRT's last sample. Above it they open one
 * at a time, as before. PP-OCRv4 det pow2 at 640x640 takes 10 MB (an executor about 30 MB of RSS with its
 * weights and tiled scratch): the whole run's peak RSS with its device lanes beside LiteRT's, 40 rendered
 * pages, 807-903 MB (one lane after the other: 716-804 MB); on synthetic samples (16 evaluated) 909-957 MB
 * at 32 calibration samples, 899 MB at 256 (800 and 737 MB one after the other). The evaluate stage's CPU,
 * runs alternated on 2 cores loaded 4-6 by other work, 11.34-12.06 s against 11.05-11.65 s; its wall time
 * did not separate from that load's noise (session 17, quieter: whole run 13.4-13.8 s -> 12.1-12.3 s).
 * Session 18, load under 2, four alternated pairs (bench/pipeline-case.ts, 32 + 8 rendered pages): evaluate
 * 7.9-9.6 s -> 5.4-6.8 s, whole run 15.9-17.8 s -> 12.1-14.8 s, peak 756-793 -> 925-937 MB. The rule was 64 MB of every value the file computes
 * (det 640: 111 MB, one lane after the other), when an executor held every map (270 MB, then 80 MB); a
 * file whose executor's values take more than this is not measured beside LiteRT (det at 960x960: about
 * 23 MB, scaled).
 */
export const AHEAD_BYTES = 16 * 2 ** 20;

export interface RemoteSpec {
  bytes: Uint8Array;
  layout: 'nchw' | 'nhwc' | ReadonlySet<string>;
  target?: TfliteTarget;
  file?: string;
  /** As Candidate.samples: the candidate runs on the first this many samples only. */
  samples?: number;
}

/** A .tflite candidate in a worker; `ready` gives it once opened there (or throws what opening threw). */
export interface RemoteCandidate {
  ready(): Promise<Candidate>;
  /** Stops it: what it has not run yet is dropped (also what Candidate.close does). */
  close(): void;
}

export interface Deferred<T> {
  promise: Promise<T>;
  /** Of a result: its outputs' size, counted in `held` until read. */
  bytes?: number;
  resolve(v: T): void;
  reject(e: unknown): void;
}

export function deferred<T>(): Deferred<T> {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((y, n) => ((resolve = y), (reject = n)));
  // Awaited later or never (a candidate whose pass is skipped): a rejection is not an unhandled one here.
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}

export interface Remote {
  key: string;
  lane: Lane;
  spec: RemoteSpec;
  limit: number;
  /**
   * Samples from here on are the helper's (it takes them from the last down, one at a time, while this
   * candidate's own lane goes on from the first): Infinity while there is no helper.
   */
  back: number;
  /** The same file opened in a helper worker; for a helper, the candidate it helps (whose results it fills). */
  helper?: Remote;
  primary?: Remote;
  /** A helper's sample in flight; whether a helper was started (one per candidate) or has failed. */
  pending?: number;
  helped: boolean;
  /** When the last result came, and the time between the last two (the pace a helper is judged by). */
  lastResultAt?: number;
  pace?: number;
  opened: Deferred<Candidate>;
  /** Outputs by sample index, until the main thread has read them. */
  results: (Deferred<Outputs> | undefined)[];
  /** Samples posted to the worker; runs the main thread asked for. */
  dispatched: number;
  consumed: number;
  /** Open posted; close posted (the lane has moved on); stopped by the main thread. */
  started: boolean;
  done: boolean;
  stopped: boolean;
}

/**
 * A lane as `TfliteWorkers.start` takes it: whether its worker loads LiteRT's WASM at once; `retire`: its
 * worker is terminated once every candidate given to it is done (what it held, LiteRT's heap, goes);
 * `after`: its worker starts only once that lane's candidates are done, so that the two never hold memory
 * at once; or as soon as one of that lane's candidates has opened a file whose executor's values take at
 * most AHEAD_BYTES, whose runtimes hold little beside each other (PP-OCRv4 rec pow2: the device's passes, 1.5-2 s CPU,
 * then overlap the .onnx's pass instead of following LiteRT's with the main thread idle).
 */
export interface LaneSpec {
  litert: boolean;
  retire?: boolean;
  after?: number;
}

export interface Lane {
  /** Started at once, or once the lane it waits on is done (`after`); gone once retired. */
  worker?: Worker;
  litert: boolean;
  remotes: Remote[];
  active: number;
  inFlight: number;
  failed?: Error;
  /** A helper's lane: terminated once its one candidate is done (its LiteRT heap freed). */
  helper?: boolean;
  retired?: boolean;
  /** Terminated once its candidates are done (LaneSpec.retire); the lane whose end starts it. */
  retire?: boolean;
  after?: Lane;
  /** Closes posted and not yet answered. */
  closing: number;
  /** A helper's timing lap (MODEL_QUANT_TIMING). */
  lap?: (label: string) => void;
  /** The file whose candidates in this lane may open ahead (see AHEAD_BYTES), once one has opened. */
  ahead?: Uint8Array;
}

export const wire = (feeds: Feeds): WireFeeds =>
  Object.fromEntries(
    Object.entries(feeds).map(([k, t]) => [k, { dtype: t.dtype, dims: t.dims, data: t.data }]),
  );

/** The samples read ahead (`next`), then the rest of `reading`, which is ended however the caller stops. */
export async function* readAhead(
  reading: AsyncGenerator<Feeds>,
  next: Promise<IteratorResult<Feeds>>[],
): AsyncGenerator<Feeds> {
  try {
    for (const n of next) {
      const r = await n;
      if (r.done) return;
      yield r.value;
    }
    yield* reading;
  } finally {
    await reading.return(undefined);
  }
}

export const outputBytes = (o: Outputs) => Object.values(o).reduce((n, t) => n + t.data.byteLength, 0);

export const beyond = (i: number) =>
  new Error(
    `internal: a .tflite worker was asked for sample ${i + 1}, past the samples the evaluation read first`,
  );

export const EMPTY_LANE = () => ({ remotes: [] as Remote[], active: 0, inFlight: 0, closing: 0 });
