/**
 * Just enough of a WebAssembly assembler to write the int8 kernels as code with named instructions: the
 * binary encodings (LEB128, vectors, sections), the instructions used, structured loops and two helpers.
 */

export const I32 = 0x7f;
export const V128 = 0x7b;
export const I64 = 0x7e;
const EMPTY = 0x40;

export const uleb = (n: number): number[] => {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n) byte |= 0x80;
    out.push(byte);
  } while (n);
  return out;
};

/** Signed LEB128 of an integer below 2^53 in magnitude (i32.const and i64.const immediates). */
const sleb = (n: number): number[] => {
  const out: number[] = [];
  for (;;) {
    const byte = ((n % 128) + 128) % 128;
    n = Math.floor(n / 128);
    if ((n === 0 && !(byte & 0x40)) || (n === -1 && byte & 0x40)) return [...out, byte];
    out.push(byte | 0x80);
  }
};

export const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
export const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];
export const name = (s: string): number[] => [...uleb(s.length), ...Array.from(s, (c) => c.charCodeAt(0))];

/** Instructions (core opcodes; SIMD ones behind the 0xfd prefix). */
export const op = {
  block: [0x02, EMPTY],
  loop: [0x03, EMPTY],
  end: [0x0b],
  br: (depth: number) => [0x0c, ...uleb(depth)],
  brIf: (depth: number) => [0x0d, ...uleb(depth)],
  get: (i: number) => [0x20, ...uleb(i)],
  set: (i: number) => [0x21, ...uleb(i)],
  i32: (v: number) => [0x41, ...sleb(v)],
  eqz: [0x45],
  ltU: [0x49],
  add: [0x6a],
  mul: [0x6c],
  shl: [0x74],
  store: (offset: number) => [0x36, 2, ...uleb(offset)],
  store8: [0x3a, 0, 0],
  sub: [0x6b],
  and: [0x71],
  shrS: [0x75],
  ltS: [0x48],
  gtS: [0x4a],
  select: [0x1b],
  tee: (i: number) => [0x22, ...uleb(i)],
  i64: (v: number) => [0x42, ...sleb(v)],
  extend64: [0xac],
  wrap32: [0xa7],
  add64: [0x7c],
  mul64: [0x7e],
  div64: [0x7f],
  geS64: [0x59],
  load: (offset: number) => [0x28, 2, ...uleb(offset)],
  v128store: (offset: number) => [0xfd, ...uleb(11), 0, ...uleb(offset)],
  v128load: (offset: number) => [0xfd, ...uleb(0), 0, ...uleb(offset)],
  store32Lane: (lane: number) => [0xfd, ...uleb(90), 0, 0, lane],
  splat32: [0xfd, ...uleb(17)],
  f32Convert: [0xfd, ...uleb(250)],
  f32Mul: [0xfd, ...uleb(230)],
  f32Nearest: [0xfd, ...uleb(106)],
  f64Mul: [0xfd, ...uleb(242)],
  f64Floor: [0xfd, ...uleb(117)],
  f64ConvertLow: [0xfd, ...uleb(254)],
  truncSatF64Zero: [0xfd, ...uleb(252)],
  truncSat: [0xfd, ...uleb(248)],
  max32: [0xfd, ...uleb(184)],
  min32: [0xfd, ...uleb(182)],
  narrow16: [0xfd, ...uleb(133)],
  narrow8: [0xfd, ...uleb(101)],
  extmulLow: [0xfd, ...uleb(188)],
  extmulHigh: [0xfd, ...uleb(189)],
  load8x8s: [0xfd, ...uleb(1), 0, 0],
  v128zero: [0xfd, ...uleb(12), ...new Array<number>(16).fill(0)],
  lane: (i: number) => [0xfd, ...uleb(27), i],
  /** i8x16.shuffle: bytes 0-15 of the first vector, 16-31 of the second. */
  shuffle: (bytes: number[]) => [0xfd, ...uleb(13), ...bytes],
  add32x4: [0xfd, ...uleb(174)],
  dot: [0xfd, ...uleb(186)],
};

/** `for (v = 0; v < limit; v += step) body` as block/loop. */
export function loop(v: number, limit: number, step: number, body: number[]): number[] {
  return [...op.i32(0), ...op.set(v), ...loopOn(v, limit, step, body)];
}

/** `for (; v < limit; v += step) body` (unsigned compare): the loop goes on from the value v has. */
export function loopOn(v: number, limit: number, step: number, body: number[]): number[] {
  return [
    ...op.block,
    ...op.loop,
    ...op.get(v),
    ...op.get(limit),
    ...op.ltU,
    ...op.eqz,
    ...op.brIf(1),
    ...body,
    ...op.get(v),
    ...op.i32(step),
    ...op.add,
    ...op.set(v),
    ...op.br(0),
    ...op.end,
    ...op.end,
  ];
}

/** Code for `value` clamped to [local lo, local hi] (value in local v). */
export const clamped = (v: number, lo: number, hi: number): number[] => [
  ...op.get(lo),
  ...op.get(v),
  ...op.get(v),
  ...op.get(lo),
  ...op.ltS,
  ...op.select,
  ...op.set(v),
  ...op.get(hi),
  ...op.get(v),
  ...op.get(v),
  ...op.get(hi),
  ...op.gtS,
  ...op.select,
];

/** Code loading the int32 at `base` + 4 `index` (both locals). */
export const load32 = (base: number, index: number): number[] => [
  ...op.get(base),
  ...op.get(index),
  ...op.i32(2),
  ...op.shl,
  ...op.add,
  ...op.load(0),
];
