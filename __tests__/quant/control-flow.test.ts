import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeNpzFile } from '../../src/data/npz.js';
import { writeOnnxFile } from '../../src/formats/onnx/export.js';
import { readOnnxFile } from '../../src/formats/onnx/import.js';
import { int, ints } from '../../src/ir/attrs.js';
import { float32ToFloat16 } from '../../src/ir/float16.js';
import { Graph, subgraphsOf, type Model, type Node } from '../../src/ir/graph.js';
import { Tensor } from '../../src/ir/tensor.js';
import { optimize } from '../../src/passes/optimize.js';
import { shareConstants } from '../../src/passes/share-constants.js';
import { loadTflite } from '../../src/runtime/litert.js';
import { createOrtSession } from '../../src/runtime/ort.js';
import { runOrt } from '../helpers/ort-compare.js';
import { cli } from '../helpers/cli.js';
import { GraphBuilder, randomTensor, rng } from '../helpers/graphs.js';

const node = (opType: string, inputs: string[], output: string, attrs: Node['attrs'] = {}): Node => ({
  name: output,
  opType,
  domain: '',
  inputs,
  outputs: [output],
  attrs,
});

/** The float32 tensor's values as float16 (a half-precision export's weights). */
function toHalf(t: Tensor): Tensor {
  return new Tensor('float16', t.dims, Uint16Array.from(t.toFloat32(), float32ToFloat16));
}

/**
 * y = If(mean(gate) > 0, then: Relu(Conv(x, W) + b), else: Sigmoid(Conv(x, W2))) followed by a top-level
 * Conv with W as well. Both branches read initializers of the enclosing graph (W, b, W2): the case an
 * exporter gives for a model with a data-dependent path (Silero VAD's sample-rate switch). `half`:
 * the weights are float16 initializers, each read through a Cast to float32 where it is used (inside the
 * branches too), as half-precision exports are written.
 */
function ifModel(half = false): Model {
  const b = new GraphBuilder(3);
  b.input('x', [1, 4, 8, 8]);
  b.input('gate', [1]);
  b.weight('W', [4, 4, 3, 3], -0.5, 0.5);
  b.weight('bias', [4], -0.2, 0.2);
  b.weight('W2', [4, 4, 1, 1]);
  b.init('zero', Tensor.float32([], [0]));
  if (half) for (const w of ['W', 'W2']) b.g.initializers.set(w, toHalf(b.g.initializers.get(w)!));
  const cast = (w: string, out: string) => node('Cast', [w], out, { to: int(1) });
  const [w, w2] = half ? ['t_w', 'e_w'] : ['W', 'W2'];
  const cond = b.node('Greater', ['gate', 'zero']);
  const branch = (name: string, nodes: Node[], out: string) => {
    const g = new Graph();
    g.name = name;
    g.nodes = nodes;
    g.outputs = [{ name: out, type: { kind: 'tensor', dtype: 'float32' } }];
    return g;
  };
  const pads = ints([1, 1, 1, 1]);
  const thenBranch = branch(
    'then',
    [
      ...(half ? [cast('W', w)] : []),
      node('Conv', ['x', w, 'bias'], 't_conv', { pads }),
      node('Relu', ['t_conv'], 't_out'),
    ],
    't_out',
  );
  const elseBranch = branch(
    'else',
    [
      ...(half ? [cast('W2', w2)] : []),
      node('Conv', ['x', w2], 'e_conv'),
      node('Sigmoid', ['e_conv'], 'e_out'),
    ],
    'e_out',
  );
  b.g.nodes.push({
    name: 'switch',
    opType: 'If',
    domain: '',
    inputs: [cond],
    outputs: ['branch_out'],
    attrs: {
      then_branch: { kind: 'graph', value: thenBranch },
      else_branch: { kind: 'graph', value: elseBranch },
    },
  });
  const topW = half ? b.node('Cast', ['W'], { to: int(1) }) : 'W';
  const y = b.node('Conv', ['branch_out', topW, 'bias'], { pads });
  b.output(y, 'float32', [1, 4, 8, 8]);
  b.g.outputs[0]!.name = y;
  return b.model(13);
}

const feeds = (random: () => number, gate: number) => ({
  x: randomTensor([1, 4, 8, 8], random),
  gate: Tensor.float32([1], [gate]),
});

/** Whether every Conv of `g` reads its weight from a DequantizeLinear of an int8 initializer of `g`. */
function convWeightsInt8(g: Graph): boolean {
  const convs = g.nodes.filter((n) => n.opType === 'Conv');
  return (
    convs.length > 0 &&
    convs.every((c) => {
      const dq = g.nodes.find((n) => n.outputs[0] === c.inputs[1]);
      return dq?.opType === 'DequantizeLinear' && g.initializers.get(dq.inputs[0]!)?.dtype === 'int8';
    })
  );
}

function quantizeNodesIn(g: Graph): number {
  return g.nodes.filter((n) => n.opType === 'QuantizeLinear').length;
}

describe('a model with an If whose branches read outer-scope initializers', () => {
  it.each([
    ['pow2', false],
    ['affine', false],
    ['pow2', true],
  ])(
    '--scheme %s (float16 weights: %s) quantizes inside both branches; the .onnx runs in ORT close to float',
    async (scheme, half) => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mq-if-'));
      const input = path.join(dir, 'switch.onnx');
      writeOnnxFile(ifModel(half as boolean), input);
      const calib = path.join(dir, 'calib');
      fs.mkdirSync(calib);
      const random = rng(11);
      for (let i = 0; i < 16; i++) writeNpzFile(path.join(calib, `s${i}.npz`), feeds(random, i % 2 ? 1 : -1));
      const out = path.join(dir, 'out');
      const r = cli(['--input', input, '--output', out, '--calib_data', calib, '--scheme', scheme as string]);
      expect(r.code, r.stderr).toBe(0);
      // The .tflite holds the If as a TFLite IF with both branches (checked against the .onnx below).
      expect(r.stdout + r.stderr).not.toMatch(/no \.tflite written/);
      const lite = await loadTflite(new Uint8Array(fs.readFileSync(path.join(out, 'switch_quant.tflite'))));

      const file = path.join(out, 'switch_quant.onnx');
      const q = readOnnxFile(file);
      const ifNode = q.graph.nodes.find((n) => n.opType === 'If')!;
      const [thenQ, elseQ] = subgraphsOf(ifNode);
      // Each branch holds its own Q/DQ and int8 weights; W, read in a branch and at the top, stays
      // readable where it is read (no branch may shadow or lose an outer name).
      expect(quantizeNodesIn(thenQ!)).toBeGreaterThan(0);
      expect(quantizeNodesIn(elseQ!)).toBeGreaterThan(0);
      for (const g of [thenQ!, elseQ!]) expect(convWeightsInt8(g)).toBe(true);

      const float = await createOrtSession(fs.readFileSync(input));
      const quant = await createOrtSession(fs.readFileSync(file));
      try {
        const check = rng(99);
        for (const gate of [1, -1]) {
          const f = feeds(check, gate);
          const name = q.graph.outputs[0]!.name;
          const want = (await float.run(f))[name]!;
          const got = (await quant.run(f))[name]!;
          const a = want.data as Float32Array;
          const b = got.data as Float32Array;
          let err = 0;
          let sig = 0;
          for (let i = 0; i < a.length; i++) {
            err += (a[i]! - b[i]!) ** 2;
            sig += a[i]! ** 2;
          }
          // int8 through two convolutions: SQNR well above 20 dB on either path.
          expect(10 * Math.log10(sig / err), `gate ${gate}`).toBeGreaterThan(20);
          // LiteRT runs the branch the gate picks as ORT runs the .onnx's.
          const fromLite = (await lite.run({ x: f.x.toFloat32(), gate: f.gate.toFloat32() }))[name]!.data;
          let liteErr = 0;
          for (let i = 0; i < b.length; i++) liteErr += (b[i]! - (fromLite[i] as number)) ** 2;
          expect(10 * Math.log10(sig / liteErr), `gate ${gate}: .tflite against .onnx`).toBeGreaterThan(30);
        }
      } finally {
        lite.close();
        await float.close();
        await quant.close();
      }
    },
  );
});

describe('passes on a model whose If branches read outer-scope values', () => {
  it('optimize and shareConstants keep every value a branch reads: same outputs in ORT on both paths', async () => {
    const model = ifModel();
    // A Constant node and a small initializer equal to another one, each read only inside a branch:
    // constant folding turns the node into an initializer, dead-code removal and constant sharing must
    // leave both where the branch can read them.
    const g = model.graph;
    g.nodes.unshift(
      node('Constant', [], 'k', { value: { kind: 'tensor', value: Tensor.float32([1], [0.25]) } }),
    );
    g.initializers.set('half_a', Tensor.float32([1], [0.5]));
    g.initializers.set('half_b', Tensor.float32([1], [0.5]));
    const ifNode = g.nodes.find((n) => n.opType === 'If')!;
    const [thenBranch, elseBranch] = subgraphsOf(ifNode);
    thenBranch!.nodes.push(node('Add', ['t_out', 'k'], 't_shift'));
    thenBranch!.outputs[0]!.name = 't_shift';
    elseBranch!.nodes.push(
      node('Mul', ['e_out', 'half_b'], 'e_scaled'),
      node('Mul', ['e_scaled', 'half_a'], 'e_q'),
    );
    elseBranch!.outputs[0]!.name = 'e_q';

    const optimized = optimize(model).model;
    const shared = { ...optimized, graph: shareConstants(optimized.graph).graph };
    for (const after of [optimized, shared]) {
      const random = rng(5);
      for (const gate of [1, -1]) {
        const f = feeds(random, gate);
        const [want, got] = [await runOrt(model, f), await runOrt(after, f)];
        const name = model.graph.outputs[0]!.name;
        const a = want[name]!.data as Float32Array;
        const b = got[name]!.data as Float32Array;
        expect(Math.max(...a.map((v, i) => Math.abs(v - b[i]!)))).toBeLessThan(1e-5);
      }
    }
  });
});
