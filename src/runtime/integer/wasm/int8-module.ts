/**
 * The int8 kernels as one WebAssembly module, written with the small assembler in assembler.ts (the
 * project has no WebAssembly toolchain): gemm and dwconv (conv-kernels.ts); requant, requantShift and
 * requantFixed (requant-kernels.ts). The memory is imported as env.memory (arena.ts owns it).
 */

import { I32, I64, name, op, section, uleb, V128, vec } from './assembler.js';
import { dwBody, GEMM_I32S, GEMM_V128S, gemmBody } from './conv-kernels.js';
import { fixedBody, requantBody, shiftBody } from './requant-kernels.js';

/** The module's bytes: imports env.memory, exports the functions above by name. */
export function int8ModuleBytes(): Uint8Array {
  const type = (params: number) => [0x60, ...vec(new Array<number[]>(params).fill([I32])), ...vec([])];
  const fn = (i32s: number, v128s: number, code: number[]) => [
    ...vec([
      [...uleb(i32s), I32],
      [...uleb(v128s), V128],
    ]),
    ...code,
    ...op.end,
  ];
  const locals = (groups: [number, number][], code: number[]) => [
    ...vec(groups.map(([count, t]) => [...uleb(count), t])),
    ...code,
    ...op.end,
  ];
  const functions = [
    { name: 'gemm', params: 7, code: fn(GEMM_I32S, GEMM_V128S, gemmBody()) },
    { name: 'dwconv', params: 8, code: fn(5, 3, dwBody()) },
    { name: 'requant', params: 10, code: fn(4, 4, requantBody()) },
    { name: 'requantShift', params: 10, code: fn(4, 4, shiftBody()) },
    {
      name: 'requantFixed',
      params: 12,
      code: locals(
        [
          [4, I32],
          [1, I64],
          [2, I32],
        ],
        fixedBody(),
      ),
    },
  ];
  return Uint8Array.from([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, vec(functions.map((f) => type(f.params)))),
    ...section(2, vec([[...name('env'), ...name('memory'), 0x02, 0x00, ...uleb(1)]])),
    ...section(3, vec(functions.map((_, i) => uleb(i)))),
    ...section(7, vec(functions.map((f, i) => [...name(f.name), 0x00, ...uleb(i)]))),
    ...section(10, vec(functions.map((f) => [...uleb(f.code.length), ...f.code]))),
  ]);
}
