import { indexGraph, type Graph, type GraphIndex } from '../ir/graph.js';
import { Tensor } from '../ir/tensor.js';
import { getOp } from '../ops/index.js';
import { binary } from '../ops/common/quant.js';

/**
 * Stores activations as uint8, in the form ONNX Runtime's x86/ARM QDQ selectors fuse into integer
 * kernels. Measured on PaddleOCR det: with int8 activations ORT fused 24 of 62 convolutions into
 * QLinearConv, with uint8 all 62. Weights stay int8, symmetric. Only the QDQ ONNX file gets this (ORT's
 * standard-domain QLinearConv has no uint8-activation/int8-weight kernel, so the QOperator form stays
 * int8); TFLite is int8.
 *
 * The grid (scale, and every representable value in the int8 range) never changes: a tensor's zero point
 * moves by +128 (int8 q -> uint8 q + 128) — except for a tensor that cannot be negative (the output of a
 * ReLU, a Clip at 0, a sigmoid, ...) with int8 zero point 0, the pow2 scheme's case, which is stored with
 * uint8 zero point 0. Why: ORT's u8 x s8 kernels on x86 CPUs without VNNI (AVX2, AVX-512 before VNNI) add
 * products in int16 pairs (VPMADDUBSW), which saturates when two neighbouring activations are large. With
 * zero point 128, every non-negative activation is stored as 128..255, so nearly every pair of a ReLU
 * output saturates against a large weight; stored as 0..127, no pair can (2 * 127 * 128 < 32768).
 * Measured on mobilenet_v1_bn, pow2 B16: output SQNR in native ORT 7.5 dB before, see the closing note of
 * issue #5 for after. The one difference to the int8 file: such a tensor can represent 128..255 steps
 * where int8 saturates at 127, so values beyond the calibrated range are kept instead of clipped.
 */
export function activationsAsUint8(g: Graph): Graph {
  const out = g.clone();
  const index = indexGraph(out);
  const nonNegative = nonNegativeValues(out, index);
  const shifted = new Map<string, string>();
  const ZERO = 'zp_u8_zero';
  const originals = new Set<string>();
  for (const q of out.nodes) {
    if (q.opType !== 'QuantizeLinear' || q.domain !== '' || !q.inputs[2]) continue;
    const zp = out.initializers.get(q.inputs[2]);
    if (!zp || zp.dtype !== 'int8') continue;
    originals.add(q.inputs[2]);
    let name: string;
    if (zp.data.length === 1 && (zp.data as Int8Array)[0] === 0 && nonNegative.has(q.inputs[0]!)) {
      if (!out.initializers.has(ZERO))
        out.initializers.set(ZERO, new Tensor('uint8', zp.dims, new Uint8Array(1)));
      name = ZERO;
    } else {
      // A zero point initializer may be shared by several Q nodes; each distinct one is shifted once.
      name = shifted.get(q.inputs[2]) ?? `${q.inputs[2]}_u8`;
      if (!shifted.has(q.inputs[2])) {
        shifted.set(q.inputs[2], name);
        out.initializers.set(
          name,
          new Tensor(
            'uint8',
            zp.dims,
            Uint8Array.from(zp.data as Int8Array, (v) => v + 128),
          ),
        );
      }
    }
    q.inputs[2] = name;
    for (const dq of index.consumers.get(q.outputs[0]!) ?? []) {
      if (dq.opType === 'DequantizeLinear' && dq.inputs[0] === q.outputs[0]) dq.inputs[2] = name;
    }
  }
  for (const name of constantOperandsAsUint8(out, index)) originals.add(name);
  // Drop the int8 zero points and constants no node reads any more.
  const read = new Set(out.nodes.flatMap((n) => n.inputs));
  for (const name of originals) if (!read.has(name)) out.initializers.delete(name);
  return out;
}

/**
 * A constant operand of Add/Sub/Mul (a per-tensor int8 "weight", e.g. PP-OCRv4 det's learnable affine
 * Mul(scale, x) + bias) is stored uint8 too (value + 128, zero point 128: the same grid): ORT's
 * QLinearAdd/QLinearMul want all three tensors of one type, so with an int8 constant next to uint8
 * activations all 24 such pairs in det stayed float between DequantizeLinear and QuantizeLinear.
 * Returns the int8 constants and zero points it replaced (the caller drops those no node reads any more).
 */
function constantOperandsAsUint8(g: Graph, index: GraphIndex): Iterable<string> {
  const converted = new Map<string, string>();
  const replaced = new Set<string>();
  for (const dq of g.nodes) {
    if (dq.opType !== 'DequantizeLinear' || dq.domain !== '') continue;
    const values = g.initializers.get(dq.inputs[0]!);
    const scale = g.initializers.get(dq.inputs[1]!);
    if (!values || values.dtype !== 'int8' || !scale || scale.data.length !== 1) continue;
    const readers = index.consumers.get(dq.outputs[0]!) ?? [];
    // Readers quantized by the binary rule (Add, Sub, Mul), whose constant operand is a per-tensor weight.
    if (!readers.length || !readers.every((n) => n.domain === '' && getOp(n.opType)?.quant === binary))
      continue;
    const zp = dq.inputs[2] ? g.initializers.get(dq.inputs[2]) : undefined;
    if (zp && (zp.dtype !== 'int8' || zp.data[0] !== 0)) continue;
    let name = converted.get(dq.inputs[0]!);
    if (!name) {
      name = `${dq.inputs[0]!}_u8`;
      converted.set(dq.inputs[0]!, name);
      g.initializers.set(
        name,
        new Tensor(
          'uint8',
          values.dims,
          Uint8Array.from(values.data as Int8Array, (v) => v + 128),
        ),
      );
    }
    const ZP = 'zp_u8_128';
    if (!g.initializers.has(ZP)) g.initializers.set(ZP, new Tensor('uint8', [], Uint8Array.of(128)));
    if (dq.inputs[2]) replaced.add(dq.inputs[2]);
    dq.inputs[0] = name;
    dq.inputs[2] = ZP;
  }
  return [...converted.keys(), ...replaced];
}

/** Values that are non-negative by construction (not by calibration), in graph order. */
function nonNegativeValues(g: Graph, index: GraphIndex): Set<string> {
  const result = new Set<string>();
  const constant = (name: string) => g.constant(name, index);
  for (const n of g.nodes) {
    if (n.domain !== '') continue;
    // QuantizeLinear/DequantizeLinear (the format itself, no op file) keep their input's sign.
    const rule =
      n.opType === 'QuantizeLinear' || n.opType === 'DequantizeLinear'
        ? 'if-input'
        : getOp(n.opType)?.nonNegative;
    let ok = false;
    if (rule === 'always') ok = true;
    else if (typeof rule === 'function') ok = rule(n, constant);
    else if (rule === 'if-input') ok = result.has(n.inputs[0]!);
    else if (rule === 'if-all-inputs')
      ok = n.inputs.every((i) => result.has(i) || isNonNegativeConstant(g, i, index));
    if (ok) for (const o of n.outputs) if (o) result.add(o);
  }
  return result;
}

function isNonNegativeConstant(g: Graph, name: string, index: GraphIndex): boolean {
  const t = g.constant(name, index);
  if (!t || typeof t.data[0] === 'string') return false;
  const data = t.data as ArrayLike<number | bigint>;
  for (let i = 0; i < data.length; i++) if (data[i]! < 0) return false;
  return true;
}
