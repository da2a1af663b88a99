/**
 * Checks of what LiteRT trusts without checking (its kernels index tensors by shape and read constant
 * buffers for as many bytes as the shape says): a file that fails one of them would make the runtime read
 * outside its memory or trap, so it is refused here with a ModelFormatError instead.
 */
import { byteLength } from '../../ir/dtype.js';
import { DTYPE_OF } from './ir-extras.js';
import type { TfliteModel, TfliteTensor } from './model.js';
import { builtinOf } from '../../tflite/ops/index.js';
import { BUILTIN_OPERATOR_NAMES, BUILTIN_OPTIONS_NAMES } from './schema.js';
import { checkOutputShapes } from './shape-check.js';

/** Elements a tensor may hold: LiteRT sizes buffers in int32 bytes, so 2^31 bytes is a hard limit. */
const MAX_BYTES = 2 ** 31 - 1;

export function checkTensors(m: TfliteModel, fail: (message: string) => never): void {
  m.subgraphs.forEach((sg, s) => {
    sg.tensors.forEach((t, i) => checkTensor(m, t, `subgraphs[${s}].tensors[${i}] '${t.name}'`, fail));
    const produced = new Set<number>();
    sg.operators.forEach((op, o) => {
      if (op.outputs.length === 0 && op.inputs.length === 0) return;
      for (const x of op.outputs) {
        if (produced.has(x) || sg.inputs.includes(x))
          fail(`subgraphs[${s}].operators[${o}]: tensor ${x} is written twice (or is a subgraph input)`);
        if (m.buffers[sg.tensors[x]!.buffer]?.data)
          fail(`subgraphs[${s}].operators[${o}]: writes tensor ${x}, which is a constant`);
        produced.add(x);
      }
    });
  });
  checkOutputShapes(m, fail);
}

function checkTensor(m: TfliteModel, t: TfliteTensor, where: string, fail: (message: string) => never): void {
  if (t.shape.some((d) => !(d >= 0))) fail(`${where}: shape [${t.shape}] has a negative dimension`);
  if (t.shapeSignature && t.shapeSignature.length !== t.shape.length)
    fail(`${where}: shape_signature [${t.shapeSignature}] and shape [${t.shape}] differ in rank`);
  if (t.shapeSignature?.some((d, k) => !(d === -1 || d === t.shape[k])))
    fail(`${where}: shape_signature [${t.shapeSignature}] does not match shape [${t.shape}]`);
  const dtype = DTYPE_OF[t.type];
  const count = t.shape.reduce((a, b) => a * b, 1);
  const bytes = dtype && dtype !== 'string' ? byteLength(dtype, count) : 0;
  if (bytes > MAX_BYTES) fail(`${where}: shape [${t.shape}] is too large (${bytes} bytes)`);
  const data = m.buffers[t.buffer]?.data;
  if (data && dtype && dtype !== 'string' && data.length !== bytes)
    fail(`${where}: ${t.type}[${t.shape}] needs ${bytes} bytes, its buffer has ${data.length}`);
}

/** An operator's options table must be the one its builtin takes (a mismatch is read as garbage). */
export function checkOptionTables(m: TfliteModel, fail: (message: string) => never): void {
  m.subgraphs.forEach((sg, s) =>
    sg.operators.forEach((op, o) => {
      const name = BUILTIN_OPERATOR_NAMES[m.operatorCodes[op.opcodeIndex]!.builtinCode] ?? '';
      const builtin = builtinOf(name);
      if (!builtin || op.builtinOptionsType === 0) return;
      const want = builtin.options?.typeId ?? 0;
      if (op.builtinOptionsType !== want) {
        const table = BUILTIN_OPTIONS_NAMES[op.builtinOptionsType] ?? `#${op.builtinOptionsType}`;
        fail(
          `subgraphs[${s}].operators[${o}] (${name}) has options ${table}, not ${BUILTIN_OPTIONS_NAMES[want] ?? 'none'}`,
        );
      }
    }),
  );
}
