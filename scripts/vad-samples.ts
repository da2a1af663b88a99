/**
 * Calibration samples for a Silero-style voice activity detector, made the way a user would: a clip of
 * synthetic audio at 16 kHz (voiced tones with harmonics and vibrato, hiss, noise bursts, near-silence),
 * cut into the model's windows (512 samples plus the 64-sample context the caller prepends), with the
 * recurrent `state` each window really sees: the float model is run over the clip in order, as the
 * detector runs live, and its `stateN` is fed to the next window. `sr` (when the model takes it) is 16000.
 *
 *   npx tsx scripts/vad-samples.ts model.onnx out-dir [count]
 *
 * writes out-dir/sample_000.npz ... (arrays named by model input), ready for `--calib_data out-dir`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { writeNpzFile } from '../src/data/npz.js';
import { readOnnxFile } from '../src/formats/onnx/import.js';
import { Tensor } from '../src/ir/tensor.js';
import { createOrtSession } from '../src/runtime/ort.js';
import { Random } from './examples/random.js';

export const VAD_RATE = 16000;
export const VAD_WINDOW = 512;
export const VAD_CONTEXT = 64;
const STATE_DIMS = [2, 1, 128];

/** A two-pole resonator at `freq` Hz with bandwidth `bw` Hz (a vowel formant), unit gain at its peak. */
function resonator(freq: number, bw: number): (x: number) => number {
  const r = Math.exp((-Math.PI * bw) / VAD_RATE);
  const a1 = 2 * r * Math.cos((2 * Math.PI * freq) / VAD_RATE);
  const a2 = -r * r;
  const gain = 1 - r;
  let y1 = 0;
  let y2 = 0;
  return (x) => {
    const y = gain * x + a1 * y1 + a2 * y2;
    y2 = y1;
    y1 = y;
    return y;
  };
}

/** One segment of the clip: what a microphone in a room picks up for a moment. */
function segment(rng: Random, n: number): Float32Array {
  const out = new Float32Array(n);
  const kind = rng.uniform() < 0.5 ? 0 : 1 + rng.int(3); // half of the clip is voiced
  const level = 0.02 + 0.3 * rng.uniform();
  if (kind === 0) {
    // A voiced sound: a glottal pulse train at 90-300 Hz with vibrato, through three vowel formants
    // (two-pole resonators), at a syllable rate of 3-6 Hz.
    const f0 = rng.range(90, 300);
    const syllables = rng.range(3, 6);
    const formants = [rng.range(300, 900), rng.range(900, 2500), rng.range(2400, 3200)];
    const filters = formants.map((f) => resonator(f, 80 + f * 0.06));
    let phase = 0;
    for (let i = 0; i < n; i++) {
      const t = i / VAD_RATE;
      phase += (f0 * (1 + 0.03 * Math.sin(2 * Math.PI * 5 * t))) / VAD_RATE;
      const pulse = phase >= 1 ? 1 : 0;
      if (pulse) phase -= 1;
      let v = 0;
      for (const f of filters) v += f(pulse + 0.02 * rng.normal());
      const envelope = Math.max(0, Math.sin(Math.PI * syllables * t)) ** 0.7;
      out[i] = level * envelope * v + 0.003 * rng.normal();
    }
    const peak = out.reduce((m, v) => Math.max(m, Math.abs(v)), 1e-9);
    for (let i = 0; i < n; i++) out[i] = (out[i]! / peak) * level;
  } else if (kind === 1) {
    for (let i = 0; i < n; i++) out[i] = level * 0.5 * rng.normal(); // hiss
  } else if (kind === 2) {
    // Noise bursts (clicks, taps): short decaying bursts on a quiet floor.
    for (let i = 0; i < n; i++) out[i] = 0.002 * rng.normal();
    for (let b = rng.int(6) + 1; b > 0; b--) {
      const at = rng.int(n);
      for (let i = at; i < Math.min(n, at + 400); i++)
        out[i]! += level * Math.exp(-(i - at) / 80) * rng.normal();
    }
  } else {
    for (let i = 0; i < n; i++) out[i] = 0.001 * rng.normal(); // near-silence
  }
  return out;
}

/** `windows` windows of synthetic audio, in segments of 0.2 to 0.8 s. */
export function synthesizeClip(windows: number, seed = 1): Float32Array {
  const rng = new Random(seed);
  const clip = new Float32Array(windows * VAD_WINDOW);
  for (let at = 0; at < clip.length;) {
    const n = Math.min(clip.length - at, Math.round(rng.range(0.2, 0.8) * VAD_RATE));
    clip.set(segment(rng, n), at);
    at += n;
  }
  return clip;
}

/** The model's feeds for `count` consecutive windows, each with the state the previous window left. */
export async function vadSamples(
  modelFile: string,
  count: number,
  seed = 1,
): Promise<Record<string, Tensor>[]> {
  const inputs = readOnnxFile(modelFile).graph.runtimeInputs();
  const names = new Set(inputs.map((v) => v.name));
  for (const need of ['input', 'state'])
    if (!names.has(need))
      throw new Error(`${modelFile}: expected a Silero VAD with inputs 'input' and 'state'`);
  const clip = synthesizeClip(count, seed);
  const session = await createOrtSession(fs.readFileSync(modelFile), { intraOpNumThreads: 1 });
  const samples: Record<string, Tensor>[] = [];
  try {
    let state = new Float32Array(2 * 128);
    const context = new Float32Array(VAD_CONTEXT);
    for (let w = 0; w < count; w++) {
      const x = new Float32Array(VAD_CONTEXT + VAD_WINDOW);
      x.set(context, 0);
      x.set(clip.subarray(w * VAD_WINDOW, (w + 1) * VAD_WINDOW), VAD_CONTEXT);
      const feeds: Record<string, Tensor> = {
        input: Tensor.float32([1, x.length], x),
        state: Tensor.float32(STATE_DIMS, state),
      };
      if (names.has('sr')) feeds.sr = Tensor.int64([], [VAD_RATE]);
      samples.push(feeds);
      const out = await session.run(feeds);
      state = Float32Array.from(out.stateN!.data as Float32Array);
      context.set(x.subarray(x.length - VAD_CONTEXT));
    }
  } finally {
    await session.close();
  }
  return samples;
}

/** Writes `count` samples as `dir/sample_NNN.npz`; returns the file paths. */
export async function writeVadSamples(
  modelFile: string,
  dir: string,
  count: number,
  seed = 1,
): Promise<string[]> {
  fs.mkdirSync(dir, { recursive: true });
  const samples = await vadSamples(modelFile, count, seed);
  return samples.map((arrays, i) => {
    const file = path.join(dir, `sample_${String(i).padStart(3, '0')}.npz`);
    writeNpzFile(file, arrays);
    return file;
  });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [model, dir, count] = process.argv.slice(2);
  if (!model || !dir) {
    console.error('usage: tsx scripts/vad-samples.ts model.onnx out-dir [count]');
    process.exit(2);
  }
  const files = await writeVadSamples(model, dir, Number(count ?? 64));
  console.log(`wrote ${files.length} samples to ${dir}`);
}
