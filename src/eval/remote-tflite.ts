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
 * next opens, so that a worker holds one runtime at a time (as comparePasses does). The pipeline runs
 * LiteRT in one lane and, under pow2, the device then the truncating device in a second that starts once
 * LiteRT's worker is gone (quantize-model.ts evaluationLanes): never the integer executor beside LiteRT's
 * heap, but where the executor's values are small (AHEAD_BYTES), when the two start together. The lanes'
 * records and tuning constants are in remote-lanes.ts.
 */
import { Worker } from 'node:worker_threads';
import type { Feeds, SampleSource } from '../quant/calibrate.js';
import { stopwatch } from '../util/timing.js';
import { workerEntry, workersAvailable } from './worker-entry.js';
import type { Candidate, Outputs } from './evaluate.js';
import {
  AHEAD_BYTES,
  EMPTY_LANE,
  HELD_BYTES,
  IN_FLIGHT,
  beyond,
  deferred,
  inFlightAt,
  outputBytes,
  readAhead,
  wire,
  type Deferred,
  type HelpOptions,
  type Lane,
  type LaneSpec,
  type Remote,
  type RemoteCandidate,
  type RemoteSpec,
} from './remote-lanes.js';
import {
  WORKER_ROLE,
  rebuildError,
  type FromWorker,
  type ToWorker,
  type WorkerData,
} from './worker-protocol.js';

export {
  AHEAD_BYTES,
  HELD_BYTES,
  HELP_AFTER_MS,
  type HelpOptions,
  type LaneSpec,
  type RemoteCandidate,
  type RemoteSpec,
} from './remote-lanes.js';
export { workersAvailable };

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
  /** Callers of reserve() not yet done. */
  private reserved = 0;
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
   * order, so every figure is unchanged. LiteRT only: the integer executor held about 270 MB at 640x640
   * (PP-OCRv4 det) when this was decided, and a second beside the first would have passed issue 17's 1 GB
   * bound (it holds about 30 MB since buffer-plan.ts and tiled kernels; device helpers not measured since).
   * `aheadBytes` in place of AHEAD_BYTES (tests).
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
    // Given once its lane has opened the same small file (the pipeline's truncating device, whose lane
    // waits for LiteRT's open to say how small the file is): it opens ahead as if it had been there.
    if (l.ahead === spec.bytes) this.openAhead(l);
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
        if (m.valueBytes !== undefined && m.valueBytes <= this.aheadBytes) {
          l.ahead = r.spec.bytes;
          this.openAhead(l);
          // A file this small leaves room for the lanes waiting on this one beside it (see AHEAD_BYTES):
          // they start now, so that the device's executors are built and run while ONNX Runtime and
          // LiteRT run, not after LiteRT's last sample with the main thread idle.
          this.startAfter(l);
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
    if (m.valueBytes !== undefined) c.valueBytes = m.valueBytes;
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

  /**
   * Keeps every sample read until the returned function is called: for a candidate given later (the
   * pipeline's truncating device, given once LiteRT's open says how small the file is), which is to run
   * on the samples read before it came.
   */
  reserve(): () => void {
    this.reserved++;
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.reserved--;
      this.release();
    };
  }

  /** Drops the samples no candidate still has to be given. */
  private release(): void {
    if (this.reserved > 0) return;
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
