/**
 * Models with several subgraphs (control flow: WHILE, IF, CALL_ONCE). The first subgraph is the model
 * the project reads into its IR and quantizes; the others are carried through as TFLite data and stay
 * float. Before any of it reaches a runtime, the references between subgraphs are checked: an index out
 * of range, a subgraph calling itself, or a call whose operand counts differ from the callee's makes
 * LiteRT refuse the file or, worse, recurse until its WASM stack overflows.
 */
import { ModelFormatError } from '../../errors.js';
import type { KeptSubgraph } from './ir-extras.js';
import type { TfliteModel, TfliteOperator, TfliteOperatorCode, TfliteSubgraph } from './model.js';
import { optionsSpec, subgraphFieldsOf } from '../../tflite/ops/index.js';
import { BUILTIN_OPERATOR_NAMES, BUILTIN_OPTIONS_NAMES } from './schema.js';

const opNameOf = (m: TfliteModel, op: TfliteOperator): string =>
  BUILTIN_OPERATOR_NAMES[m.operatorCodes[op.opcodeIndex]!.builtinCode] ?? 'UNKNOWN';

/** Subgraphs 1..n as self-contained data. Every op must have options this project can write back. */
export function keepSubgraphs(m: TfliteModel, file: string): KeptSubgraph[] {
  return m.subgraphs.slice(1).map((sg, k) => {
    sg.operators.forEach((op, o) => {
      if (op.builtinOptionsType && !optionsSpec(op.builtinOptionsType)) {
        const table = BUILTIN_OPTIONS_NAMES[op.builtinOptionsType] ?? `#${op.builtinOptionsType}`;
        throw new ModelFormatError(
          file,
          `subgraph ${k + 1} ('${sg.name}') operator ${o} (${opNameOf(m, op)}) has options (${table}) this tool cannot write back; only the first subgraph may use them`,
        );
      }
    });
    return keptSubgraph(m, sg);
  });
}

/** One subgraph of `m` as self-contained data: constant bytes and operator codes inline. */
export function keptSubgraph(m: TfliteModel, sg: TfliteSubgraph): KeptSubgraph {
  return {
    name: sg.name,
    tensors: sg.tensors.map(({ buffer, ...t }) => {
      const data = m.buffers[buffer]?.data;
      return data ? { ...t, data } : t;
    }),
    inputs: [...sg.inputs],
    outputs: [...sg.outputs],
    operators: sg.operators.map(({ opcodeIndex, ...op }) => ({
      ...op,
      code: m.operatorCodes[opcodeIndex]!,
    })),
  };
}

/** Kept subgraphs back to TFLite tables, storing their data and operator codes with the writer's own. */
export function restoreSubgraphs(
  kept: readonly KeptSubgraph[],
  storeBuffer: (data: Uint8Array) => number,
  codeIndex: (code: TfliteOperatorCode) => number,
): TfliteSubgraph[] {
  return kept.map((sg) => ({
    name: sg.name,
    tensors: sg.tensors.map(({ data, ...t }) => ({ ...t, buffer: data?.length ? storeBuffer(data) : 0 })),
    inputs: [...sg.inputs],
    outputs: [...sg.outputs],
    operators: sg.operators.map(({ code, ...op }) => ({ ...op, opcodeIndex: codeIndex(code) })),
  }));
}

/**
 * Control-flow references, as LiteRT's kernels expect them: each named subgraph exists, is not the
 * main one, is not reached again from itself, and takes and gives as many tensors as the call passes.
 */
export function checkSubgraphCalls(m: TfliteModel, fail: (message: string) => never): void {
  const calls: number[][] = m.subgraphs.map(() => []);
  m.subgraphs.forEach((sg, s) =>
    sg.operators.forEach((op, o) => {
      const name = opNameOf(m, op);
      const fields = subgraphFieldsOf(name);
      if (!fields) return;
      const where = `subgraphs[${s}].operators[${o}] (${name})`;
      for (const field of fields) {
        const target = op.builtinOptions[field];
        if (typeof target !== 'number' || !(target >= 1 && target < m.subgraphs.length))
          fail(`${where}: ${field} ${String(target)} names no subgraph (1..${m.subgraphs.length - 1})`);
        checkArity(name, field, op, m.subgraphs[target]!, where, fail);
        calls[s]!.push(target);
      }
    }),
  );
  const state = new Uint8Array(m.subgraphs.length); // 0 unvisited, 1 on the path, 2 done
  const visit = (s: number): void => {
    if (state[s] === 2) return;
    if (state[s] === 1) fail(`subgraph ${s} calls itself (through control flow); recursion is not allowed`);
    state[s] = 1;
    calls[s]!.forEach(visit);
    state[s] = 2;
  };
  m.subgraphs.forEach((_, s) => visit(s));
}

function checkArity(
  name: string,
  field: string,
  op: TfliteOperator,
  callee: TfliteSubgraph,
  where: string,
  fail: (message: string) => never,
): void {
  const nIn = op.inputs.length;
  const nOut = op.outputs.length;
  // WHILE: cond(vars) -> bool, body(vars) -> vars; IF: branch(inputs minus the condition) -> outputs.
  const expected: Record<string, [number, number]> = {
    cond_subgraph_index: [nIn, 1],
    body_subgraph_index: [nIn, nIn],
    then_subgraph_index: [nIn - 1, nOut],
    else_subgraph_index: [nIn - 1, nOut],
    init_subgraph_index: [0, 0],
  };
  const [ins, outs] = expected[field]!;
  if (name === 'WHILE' && nIn !== nOut) fail(`${where}: ${nIn} inputs but ${nOut} outputs`);
  if (callee.inputs.length !== ins || callee.outputs.length !== outs)
    fail(
      `${where}: ${field} names subgraph '${callee.name}' with ${callee.inputs.length} inputs and ${callee.outputs.length} outputs, expected ${ins} and ${outs}`,
    );
}
