import type { OpDescriptor } from './types.js';

/**
 * The one table of operators. Adding an op is adding its file and one line here; a duplicate entry is a
 * programming error and throws at load.
 */
const ALL: OpDescriptor[] = [];

const table = new Map<string, OpDescriptor>();
for (const op of ALL) register(op);

export function register(op: OpDescriptor): void {
  const key = `${op.domain ?? ''}::${op.opType}`;
  if (table.has(key)) throw new Error(`operator ${op.opType} is registered twice`);
  table.set(key, op);
}

export function getOp(opType: string, domain = ''): OpDescriptor | undefined {
  return table.get(`${domain === 'ai.onnx' ? '' : domain}::${opType}`);
}

export function allOps(): OpDescriptor[] {
  return [...table.values()];
}
