/**
 * Dev loop (not a bench section): how unequal the channels of each activation are, from the float model
 * on calibration samples. `npx tsx bench/channel-spread.ts <model.onnx> [<calib dir or glob>]` (no data:
 * PP-OCRv4 rec's 30-line calibration set 30:$SET, default 404, as rec-loop renders it) prints, for each
 * 3-D / 4-D float tensor of the optimized graph (node index, op, channels), the largest channel range
 * over the median channel's (ranges include 0) and the int8 levels the median channel gets under one
 * per-tensor grid (255 x median range / tensor range).
 *
 * Session 15 (issue 16), PP-OCRv4 rec on 30:404: most backbone tensors read 2-4 (median channel 60-140
 * levels); over 8 (median 8-30 levels): the stem conv (12.1), the stage ends' HardSwish and Add (11.7,
 * 11.0, 8.4, 12.2, 8.8 in the 64- and 240-channel stages; 16.9 and 9.2 at the 480-channel stage, the
 * 480x480 convs' neighbours), the SE branches (pooled 10-19, Relu 74 / dead channels); the neck's
 * tensors 1-3 but for one FFN (its Pow 27.9, MatMul 7.9) on 30:505. Held int16 (writer and readers) by
 * threshold, rec-loop's header has the CER: it fixes 30:404 (5.10 -> 1.44-1.47) but not 30:505
 * (2.89 -> 1.84-3.16), and LiteRT's 16x8 kernels make it 5-8x int8's time. mobilenet_v1_bn (its 48
 * samples): largest 4.8 (block2_dw_bn), nothing over 5; mmoe (its samples; 2-D tensors not measured):
 * largest 2.8. PP-OCRv4 det and cls not measured.
 */
import path from 'node:path';
import { readOnnxFile } from '../src/formats/onnx/import.js';
import { optimize } from '../src/passes/optimize.js';
import { fileSamples, listSampleFiles } from '../src/quant/samples.js';
import { floatProbe, atSampleShapes } from '../src/quant/calibrate.js';
import { cachedTextLines } from './text-lines.js';
import { ROOT } from './section.js';

const [file, data] = process.argv.slice(2);
const model = optimize(readOnnxFile(path.join(ROOT, file!))).model;
const inputs = model.graph.runtimeInputs();
const files = data
  ? listSampleFiles(data)
  : cachedTextLines(`/tmp/recloop/calib_30_${process.env.SET ?? 404}`, 30, Number(process.env.SET ?? 404))
      .files;
const src = fileSamples(files, inputs);
const order = model.graph.nodes.flatMap((n, i) => n.outputs.map((o) => [o, i, n.opType] as const));
const probe = await floatProbe(
  atSampleShapes(model, src),
  order.map((o) => o[0]),
);
const lo = new Map<string, Float64Array>();
const hi = new Map<string, Float64Array>();
for await (const feeds of src.samples()) {
  for (const [name, d, dims] of await probe.run(feeds)) {
    if (dims.length < 3 || dims.length > 4) continue;
    // NCHW: channels on axis 1; (N, L, C) sequences (SVTR's tokens): the last axis.
    const last = dims.length === 3;
    const C = last ? dims[2]! : dims[1]!;
    const inner = last ? 1 : dims[2]! * dims[3]!;
    if (!lo.has(name)) {
      lo.set(name, new Float64Array(C).fill(Infinity));
      hi.set(name, new Float64Array(C).fill(-Infinity));
    }
    const [l, h] = [lo.get(name)!, hi.get(name)!];
    if (last) {
      for (let i = 0; i < d.length; i++) {
        const c = i % C;
        if (d[i]! < l[c]!) l[c] = d[i]!;
        if (d[i]! > h[c]!) h[c] = d[i]!;
      }
      continue;
    }
    for (let b = 0; b < d.length / (C * inner); b++)
      for (let c = 0; c < C; c++)
        for (let i = (b * C + c) * inner, e = i + inner; i < e; i++) {
          const v = d[i]!;
          if (v < l[c]!) l[c] = v;
          if (v > h[c]!) h[c] = v;
        }
  }
}
await probe.close();
for (const [name, i, op] of order) {
  const l = lo.get(name);
  if (!l) continue;
  const h = hi.get(name)!;
  const r = [...l].map((x, c) => Math.max(h[c]!, 0) - Math.min(x, 0)).sort((a, b) => a - b);
  const R = Math.max(...h, 0) - Math.min(...l, 0);
  const med = r[r.length >> 1]!;
  console.log(
    `${String(i).padStart(4)} ${op.padEnd(18)} C=${String(l.length).padStart(4)} max/med ${(r.at(-1)! / med).toFixed(1).padStart(6)} medLevels ${((255 * med) / R).toFixed(1).padStart(6)} ${name}`,
  );
}
