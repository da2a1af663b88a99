import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';
import { readOnnxFile } from '../../src/formats/onnx/import.js';
import { writeOnnxFile } from '../../src/formats/onnx/export.js';

const MOBILENET = path.resolve('examples/mobilenet_v1_bn.onnx');

describe('a model whose nodes have no names', () => {
  // The example names its nodes after their outputs (but the last), so the same graph with those names
  // removed must come out of the pipeline as the named one does, --exclude by a node name included: without names the
  // run could not pick the node (and --max_drop had nothing to keep in float).
  it('quantizes as the named model does, and --exclude picks a node by its output name', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mq-unnamed-'));
    const model = readOnnxFile(MOBILENET);
    const same = model.graph.nodes.filter((n) => n.name === n.outputs[0]);
    expect(same.length).toBe(model.graph.nodes.length - 1); // all but the Softmax ('softmax' -> 'output')
    for (const n of same) n.name = '';
    const unnamed = path.join(dir, 'mobilenet_v1_bn.onnx');
    writeOnnxFile(model, unnamed);
    const flags = ['--exclude', 'block1_dw', '--calib_samples', '8'];
    const a = cli(['--input', MOBILENET, '--output', path.join(dir, 'named'), ...flags]);
    const b = cli(['--input', unnamed, '--output', path.join(dir, 'unnamed'), ...flags]);
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    for (const f of ['mobilenet_v1_bn_quant.onnx', 'mobilenet_v1_bn_quant.tflite']) {
      const bytes = fs.readFileSync(path.join(dir, 'unnamed', f));
      expect(bytes.equals(fs.readFileSync(path.join(dir, 'named', f))), f).toBe(true);
    }
    // The excluded depthwise Conv reads its weights in float: no DequantizeLinear feeds it.
    const q = readOnnxFile(path.join(dir, 'unnamed', 'mobilenet_v1_bn_quant.onnx')).graph;
    const conv = q.nodes.find((n) => n.name === 'block1_dw')!;
    expect(conv.opType).toBe('Conv');
    expect(q.initializers.has(conv.inputs[1]!)).toBe(true);
    expect(q.initializers.get(conv.inputs[1]!)!.dtype).toBe('float32');
  }, 120_000);
});
