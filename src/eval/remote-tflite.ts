/**
 * The written .tflite's evaluation on worker threads, beside the main thread's ONNX Runtime. onnxruntime-node
 * runs a session on the calling thread, blocking it, and LiteRT (WASM) and the integer executor are
 * single-threaded JavaScript: run one after the other, the second core sat idle through every session
 * creation and the .tflite's whole evaluation waited for the .onnx's. Here each sample, as the first pass
 * reads it, also goes to the workers, which run the .tflite candidates on it at once; the later passes
 * (comparePasses) then find their outputs computed and only score them, on the main thread, in the same
 * order as before: every figure is the one the in-process candidates give (same code, same inputs).
 *
 * A lane is one worker running its candidates one after the other, each over all its samples before the
 * next opens, so that a worker holds one runtime at a time (as comparePasses does). The pipeline runs one
 * lane (pow2: LiteRT, then the device, then the truncating device): two lanes overlap more but hold the
 * integer executor beside LiteRT (PP-OCRv4 det pow2 at 640x640: 1,033 MB peak against 832 MB).
 */
import { Worker } from 'node:worker_threads';
import type { Feeds, SampleSource } from '../quant/calibrate.js';
import { stopwatch } from '../util/timing.js';
import { workerEntry, workersAvailable } from './worker-entry.js';
import type { TfliteTarget } from './evaluate-tflite.js';
import type { Candidate, Outputs } from './evaluate.js';
import {
  WORKER_ROLE,
  rebuildError,
  type FromWorker,
  type ToWorker,
  type WireFeeds,
  type WorkerData,
} from './worker-protocol.js';

/** Samples posted to a worker ahead of its results, at most: bounds the feeds copied into its queue. */
const IN_FLIGHT = 4;

/**
 * Fewer for a slow candidate: the queue only has to outlast the main thread's ONNX Runtime run (which
 * blocks it, so that it posts nothing), and samples not posted yet can go to a helper. PP-OCRv4 det
 * affine at 640x640 in LiteRT (1.2 s a page): 2 in flight, where 4 left a helper 1 sample of 8.
 */
const QUEUED_MS = 500;
const inFlightAt = (pace: number | undefined) =>
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
 * A lane's later candidates of a file open ahead, while its current one waits for samples, where the
 * file's computed values take at most this (Candidate.computedBytes): the worker builds the device's
 * executors (tables, plans: about 0.3 s each on PP-OCRv4 rec, 29 MB computed, 22 MB of RSS each) while the
 * main thread opens its ONNX Runtime sessions, instead of after LiteRT's last sample. Above it they open one
 * at a time, as before (PP-OCRv4 det at 640x640: its float graph alone computes 70 MB of int8 values, an
 * executor holds about 270 MB; at 256x256, 11 MB).
 */
export const AHEAD_BYTES = 64 * 2 ** 20;

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

interface Deferred<T> {
  promise: Promise<T>;
  /** Of a result: its outputs' size, counted in `held` until read. */
  bytes?: number;
  resolve(v: T): void;
  reject(e: unknown): void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((y, n) => ((resolve = y), (reject = n)));
  // Awaited later or never (a candidate whose pass is skipped): a rejection is not an unhandled one here.
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}

interface Remote {
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
 * at once.
 */
export interface LaneSpec {
  litert: boolean;
  retire?: boolean;
  after?: number;
}

interface Lane {
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

const wire = (feeds: Feeds): WireFeeds =>
  Object.fromEntries(
    Object.entries(feeds).map(([k, t]) => [k, { dtype: t.dtype, dims: t.dims, data: t.data }]),
  );

/** The samples read ahead (`next`), then the rest of `reading`, which is ended however the caller stops. */
async function* readAhead(
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

const outputBytes = (o: Outputs) => Object.values(o).reduce((n, t) => n + t.data.byteLength, 0);

const beyond = (i: number) =>
  new Error(
    `internal: a .tflite worker was asked for sample ${i + 1}, past the samples the evaluation read first`,
  );

export { workersAvailable };

const EMPTY_LANE = () => ({ remotes: [] as Remote[], active: 0, inFlight: 0, closing: 0 });

export class TfliteWorkers {
  private readonly lanes: Lane[];
  /** Helper lanes (see start), at most one running at a time. */
  private readonly helpers: Lane[] = [];
  private readonly help?: HelpOptions;
  private readonly heldBytes: number;
  private readonly aheadBytes: number;
  /** Samples helpers have run (read by tests). */
  helperSamples = 0;
  private readonly byKey = new Map<string, Remote>();
  /** The samples read, each until every candidate that runs on it has been given it. */
  private readonly feeds: (Feeds | undefined)[] = [];
  private held = 0;
  private prefetched = false;
  private ended = false;
  private closed = false;

  /** One lane per entry (a boolean: `{ litert }`), their workers started (but those that wait: `after`). */
  private constructor(lanes: (boolean | LaneSpec)[], help?: HelpOptions, aheadBytes = AHEAD_BYTES) {
    const specs = lanes.map((l) => (typeof l === 'boolean' ? { litert: l } : l));
    this.lanes = specs.map((l) => ({ litert: l.litert, retire: l.retire, ...EMPTY_LANE() }));
    for (const [i, l] of specs.entries())
      if (l.after !== undefined) this.lanes[i]!.after = this.lanes[l.after];
    for (const l of this.lanes) if (!l.after) this.spawn(l);
    this.help = help;
    this.heldBytes = help?.heldBytes ?? HELD_BYTES;
    this.aheadBytes = aheadBytes;
  }

  private spawn(lane: Lane): void {
    const entry = workerEntry()!;
    const data: WorkerData = { role: WORKER_ROLE, litert: lane.litert };
    const worker = new Worker(entry.code, { workerData: data, eval: entry.eval });
    lane.worker = worker;
    lane.retired = false;
    worker.on('message', (m: FromWorker) => this.received(lane, m));
    worker.on('error', (e) => this.fail(lane, e));
    worker.on('exit', (code) => {
      if (!this.closed && !lane.retired && lane.worker === worker)
        this.fail(lane, new Error(`a .tflite evaluation worker stopped (exit code ${code})`));
    });
  }

  /**
   * A lane whose candidates are all done and closed: its worker goes where it retires, and the lanes
   * waiting on it start.
   */
  private finished(l: Lane): void {
    if (l.helper || !l.remotes.length || l.active < l.remotes.length || l.closing > 0) return;
    // A helper still running for one of them counts as the lane's (the memory it holds).
    if (l.remotes.some((r) => r.helper?.lane.worker && !r.helper.lane.retired)) return;
    if (l.retire && l.worker && !l.failed) {
      l.retired = true;
      void l.worker.terminate();
      l.worker = undefined;
    }
    this.startAfter(l);
  }

  /** Starts the lanes waiting on `l` (done or failed). */
  private startAfter(l: Lane): void {
    for (const w of this.lanes)
      if (w.after === l && !w.worker && !w.retired && !this.closed) {
        this.spawn(w);
        this.pump(w);
      }
  }

  /**
   * Workers for the lanes, or undefined where workersAvailable() says no. With `help`, a LiteRT candidate
   * the main thread waits on (its own work done: the core ONNX Runtime had is free) gets a helper worker
   * that runs its last samples while its lane runs the first ones, where those left would take the lane
   * `afterMs` or more (the pipeline: HELP_AFTER_MS). Each output is the
   * same whichever worker computes it (one file, one input), and the main thread reads them in sample
   * order, so every figure is unchanged. LiteRT only: the integer executor holds about 270 MB at 640x640
   * (PP-OCRv4 det), and a second beside the first would pass issue 17's 1 GB bound. `aheadBytes` in place
   * of AHEAD_BYTES (tests).
   */
  static start(
    lanes: (boolean | LaneSpec)[],
    help?: HelpOptions,
    aheadBytes?: number,
  ): TfliteWorkers | undefined {
    return workersAvailable() ? new TfliteWorkers(lanes, help, aheadBytes) : undefined;
  }

  /** All lanes, the helpers' included. */
  private get all(): Lane[] {
    return [...this.lanes, ...this.helpers];
  }

  get laneCount(): number {
    return this.lanes.length;
  }

  /** Workers alive, helpers included (read by tests). */
  get workerCount(): number {
    return this.all.filter((l) => l.worker && !l.retired).length;
  }

  /** A candidate run in lane `lane` (modulo the lanes there are), after those given that lane before. */
  candidate(lane: number, spec: RemoteSpec): RemoteCandidate {
    const l = this.lanes[lane % this.lanes.length]!;
    const r: Remote = {
      key: `${this.lanes.indexOf(l)}/${l.remotes.length}`,
      lane: l,
      spec,
      limit: spec.samples ?? Infinity,
      back: Infinity,
      helped: false,
      opened: deferred(),
      results: [],
      dispatched: 0,
      consumed: 0,
      started: false,
      done: false,
      stopped: false,
    };
    l.remotes.push(r);
    this.byKey.set(r.key, r);
    if (l.failed) r.opened.reject(l.failed);
    // A lane retired (its candidates done) takes more on a new worker.
    else if (l.retired && !this.closed) this.spawn(l);
    this.pump(l);
    return { ready: () => r.opened.promise, close: () => this.stop(l, r) };
  }

  /**
   * The source, its samples also handed to the workers as it is read the first time. Every pass of an
   * evaluation reads the same samples in the same order (comparePasses), and the first reads at least as
   * many as any later one: a remote candidate's n-th run is the n-th sample read here.
   */
  prefetching(source: SampleSource, ahead = 0): SampleSource {
    // `ahead`: the first samples are read (and posted) now, before the first pass asks for them, so that
    // the workers run them while the main thread is busy elsewhere (opening ONNX Runtime's session).
    let early: { reading: AsyncGenerator<Feeds>; next: Promise<IteratorResult<Feeds>>[] } | undefined;
    if (ahead > 0 && !this.prefetched) {
      this.prefetched = true;
      const reading = this.reading(source);
      const next = Array.from({ length: ahead }, () => reading.next());
      // Held until the first pass reads them, which rethrows a failure (a file that cannot be read).
      for (const n of next) n.catch(() => undefined);
      early = { reading, next };
    }
    return {
      count: source.count,
      kind: source.kind,
      shapes: source.shapes,
      samples: () => {
        if (early) {
          const { reading, next } = early;
          early = undefined;
          return readAhead(reading, next);
        }
        if (this.prefetched) return source.samples();
        this.prefetched = true;
        return this.reading(source);
      },
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.feeds.length = 0;
    await Promise.all(this.all.map((l) => l.worker?.terminate()));
  }

  private async *reading(source: SampleSource): AsyncGenerator<Feeds> {
    try {
      for await (const feeds of source.samples()) {
        this.feeds.push(feeds);
        this.pumpAll();
        yield feeds;
      }
    } finally {
      this.ended = true;
      this.pumpAll();
    }
  }

  private post(l: Lane, m: ToWorker): void {
    if (m.type === 'close') l.closing++;
    l.worker!.postMessage(m);
  }

  private pumpAll(): void {
    for (const l of this.all) this.pump(l);
  }

  /** Posts what the lane's current candidate can run now; moves on to the next one once it is done. */
  private pump(l: Lane): void {
    if (l.helper) return this.pumpHelper(l);
    if (!l.worker) return;
    for (;;) {
      const r = l.remotes[l.active];
      if (!r) return this.finished(l);
      if (l.failed || this.closed) return;
      if (!r.started && !r.stopped) {
        r.started = true;
        const { bytes, layout, target, file } = r.spec;
        const wired = typeof layout === 'string' ? layout : [...layout];
        this.post(l, { type: 'open', key: r.key, bytes, layout: wired, target, file });
      }
      const total = Math.min(r.limit, this.ended ? this.feeds.length : Infinity);
      const limit = Math.min(total, r.back);
      const ahead = () => this.held < this.heldBytes || r.dispatched < r.consumed + IN_FLIGHT;
      while (
        !r.stopped &&
        r.dispatched < Math.min(limit, this.feeds.length) &&
        // With a helper the main thread is idle (it answers at once): one at a time, so that the two
        // split what is left evenly (PP-OCRv4 det affine 640: busiest thread 3.4-3.6 s against 1.8 s
        // in the helper with 2 in flight).
        l.inFlight < (r.helper ? 1 : inFlightAt(r.pace)) &&
        ahead()
      ) {
        const index = r.dispatched++;
        l.inFlight++;
        this.post(l, { type: 'run', key: r.key, index, feeds: wire(this.feeds[index]!), nchw: true });
      }
      this.release();
      if (!r.stopped && r.dispatched < limit) return;
      r.done = true;
      for (const [i, d] of r.results.entries()) if (i >= Math.max(r.dispatched, total)) d?.reject(beyond(i));
      if (r.started) this.post(l, { type: 'close', key: r.key });
      else r.opened.reject(new Error('internal: a .tflite candidate was stopped before it opened'));
      l.active++;
    }
  }

  /** Posts the open of the lane's later candidates of its `ahead` file (see AHEAD_BYTES). */
  private openAhead(l: Lane): void {
    if (!l.ahead || l.failed || this.closed) return;
    for (const r of l.remotes.slice(l.active + 1)) {
      if (r.started || r.stopped || r.spec.bytes !== l.ahead) continue;
      r.started = true;
      const { bytes, layout, target, file } = r.spec;
      const wired = typeof layout === 'string' ? layout : [...layout];
      this.post(l, { type: 'open', key: r.key, bytes, layout: wired, target, file });
    }
  }

  /**
   * A helper lane: its candidate takes the primary's last sample not yet posted, one at a time, until the
   * two meet; then it closes, and the worker goes once the close is answered.
   */
  private pumpHelper(l: Lane): void {
    const h = l.remotes[0]!;
    const p = h.primary!;
    if (l.failed || this.closed || h.done) return;
    if (!h.started) {
      h.started = true;
      const { bytes, layout, target, file } = h.spec;
      const wired = typeof layout === 'string' ? layout : [...layout];
      this.post(l, { type: 'open', key: h.key, bytes, layout: wired, target, file });
    }
    // Helpers start once every sample is read (see maybeHelp): the last one is known.
    p.back = Math.min(p.back, p.limit, this.feeds.length);
    // Its outputs wait for the main thread's reading longer than the lane's: past heldBytes, one at a time.
    const ahead = this.held < this.heldBytes || h.dispatched <= h.consumed;
    if (l.inFlight === 0 && !p.stopped && p.back - 1 >= p.dispatched && ahead) {
      const index = --p.back;
      h.dispatched++;
      h.pending = index;
      l.inFlight++;
      this.post(l, { type: 'run', key: h.key, index, feeds: wire(this.feeds[index]!), nchw: true });
      this.release();
    }
    if (l.inFlight === 0 && (p.stopped || p.back <= p.dispatched)) {
      h.done = true;
      this.post(l, { type: 'close', key: h.key });
    }
  }

  /** Starts a helper for `r` where that pays (see start): called while the main thread waits on it. */
  private maybeHelp(r: Remote): void {
    if (!this.help || r.helped || r.done || r.stopped || !this.ended || r.lane.failed) return;
    if ((r.spec.target?.kind ?? 'litert') !== 'litert' || r.pace === undefined) return;
    const left = Math.min(r.limit, this.feeds.length, r.back) - r.dispatched;
    if (left < 2 || left * r.pace < this.help.afterMs) return;
    r.helped = true;
    const lane: Lane = { litert: true, helper: true, ...EMPTY_LANE() };
    this.spawn(lane);
    lane.lap = stopwatch('evaluate');
    lane.lap(`helper for a .tflite: ${left} samples left at ${Math.round(r.pace)} ms`);
    const h: Remote = {
      ...r,
      key: `${r.key}+helper`,
      lane,
      primary: r,
      helper: undefined,
      opened: deferred(),
      dispatched: 0,
      consumed: 0,
      started: false,
      done: false,
      stopped: false,
    };
    r.helper = h;
    lane.remotes.push(h);
    this.byKey.set(h.key, h);
    this.helpers.push(lane);
    this.pump(lane);
  }

  private slot(r: Remote, i: number): Deferred<Outputs> {
    let d = r.results[i];
    if (!d) {
      d = r.results[i] = deferred();
      // Past the samples posted: not run, unless its helper took it (from `back` up to the last sample).
      const end = Math.min(r.limit, this.feeds.length);
      if (r.lane.failed) d.reject(r.lane.failed);
      else if (r.done && i >= r.dispatched && (i < r.back || i >= end)) d.reject(beyond(i));
    }
    return d;
  }

  private received(l: Lane, m: FromWorker): void {
    const r = this.byKey.get(m.key);
    if (!r || (l.helper && l.failed)) return;
    // A helper's results fill its primary's slots (one results array, shared); its errors only end it.
    const owner = r.primary ?? r;
    if (r.primary && m.type !== 'closed' && m.error) return this.fail(l, rebuildError(m.error));
    if (m.type === 'opened') {
      if (r.primary) return;
      if (m.error) r.opened.reject(rebuildError(m.error));
      else {
        r.opened.resolve(this.remoteCandidate(l, r, m));
        if (m.computedBytes !== undefined && m.computedBytes <= this.aheadBytes) {
          l.ahead = r.spec.bytes;
          this.openAhead(l);
        }
      }
    } else if (m.type === 'result') {
      l.inFlight--;
      if (r.primary) {
        r.pending = undefined;
        this.helperSamples++;
      } else {
        const now = performance.now();
        if (r.lastResultAt !== undefined) r.pace = now - r.lastResultAt;
        r.lastResultAt = now;
      }
      if (!owner.stopped) {
        const d = this.slot(owner, m.index);
        if (m.error) d.reject(rebuildError(m.error));
        else {
          d.bytes = outputBytes(m.outputs!);
          this.held += d.bytes;
          d.resolve(m.outputs!);
        }
      }
      this.pump(l);
    } else if (l.helper) {
      // The helper's candidate closed: its worker, and the LiteRT heap it holds, go.
      l.lap?.(`helper done: ${l.remotes[0]!.dispatched} samples run`);
      l.retired = true;
      this.helpers.splice(this.helpers.indexOf(l), 1);
      void l.worker?.terminate();
      this.finished(r.primary!.lane);
    } else {
      l.closing--;
      this.finished(l);
    }
  }

  private remoteCandidate(l: Lane, r: Remote, m: Extract<FromWorker, { type: 'opened' }>): Candidate {
    const c: Candidate = {
      run: async () => {
        const i = r.consumed++;
        if (r.stopped) throw new Error('internal: run() on a closed .tflite candidate');
        const d = this.slot(r, i);
        this.maybeHelp(r);
        try {
          return await d.promise;
        } finally {
          this.forget(r, i);
          if (r.helper && i >= r.back) r.helper.consumed++;
          this.pumpAll();
        }
      },
      close: () => this.stop(l, r),
    };
    if (m.nhwc !== undefined) c.nhwc = m.nhwc;
    if (m.stored) c.stored = new Set(m.stored);
    if (m.shapes) c.shapes = m.shapes;
    if (r.spec.samples !== undefined) c.samples = r.spec.samples;
    return c;
  }

  /** The main thread is done with `r`: its pending outputs go, and its lane moves on. */
  private stop(l: Lane, r: Remote): void {
    if (r.stopped) return;
    r.stopped = true;
    for (const i of r.results.keys()) this.forget(r, i);
    this.pump(l);
    for (const other of this.all) if (other !== l) this.pump(other);
  }

  private forget(r: Remote, i: number): void {
    this.held -= r.results[i]?.bytes ?? 0;
    r.results[i] = undefined;
  }

  /** Drops the samples no candidate still has to be given. */
  private release(): void {
    const remotes = this.lanes.flatMap((l) => l.remotes);
    for (const [j, f] of this.feeds.entries()) {
      if (!f) continue;
      const wanted = (r: Remote) =>
        !r.stopped && !r.done && r.dispatched <= j && j < Math.min(r.limit, r.back);
      if (!remotes.some(wanted)) this.feeds[j] = undefined;
    }
  }

  private fail(l: Lane, e: Error): void {
    if (l.failed) return;
    l.failed = e;
    if (l.helper) return this.helperFailed(l);
    for (const r of l.remotes) {
      r.opened.reject(e);
      for (const d of r.results) d?.reject(e);
      r.done = true;
    }
    this.startAfter(l);
  }

  /**
   * A helper that failed (it opened the file its primary runs, so this is rare: memory) costs time, not
   * the evaluation: the sample it had in flight goes back to the primary, which runs the rest.
   */
  private helperFailed(l: Lane): void {
    const h = l.remotes[0]!;
    const p = h.primary!;
    h.done = true;
    l.retired = true;
    // It ran its samples from the last down, one at a time: those above the one in flight are done. The
    // one in flight goes back to the primary, unless that is done already (then it is lost: its error).
    if (h.pending !== undefined && p.back === h.pending) {
      if (p.done && !p.stopped) this.slot(p, h.pending).reject(l.failed);
      else p.back++;
    }
    this.helpers.splice(this.helpers.indexOf(l), 1);
    void l.worker?.terminate();
    this.pump(p.lane);
    this.finished(p.lane);
  }
}
