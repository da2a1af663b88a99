/**
 * Chains of table ops read as one table. A step whose kernel is a table of its int8 input (a unary op, an
 * elementwise op with a one-element constant) or of a pair of same-shaped int8 inputs (an elementwise op)
 * makes a value that is, element by element, a function of the one value its chain starts from: the table
 * of the chain is the tables composed. PP-OCRv4 det's 86 hard-swishes are such chains (x -> MUL by a
 * constant -> ADD a constant -> MUL by x -> ADD a constant): each of the ~30 M elements of a 640x640 run
 * went through four tables, a third of a device run; one table from x gives the same int8 in one pass.
 */
import type { PreparedKernel } from './types.js';

/** A value that is `table[source + 128]` element by element. */
export interface Derived {
  source: string;
  table: Int8Array;
}

/** A step as the chain rule sees it: its node's inputs and outputs, and its prepared kernel. */
export interface ChainStep {
  inputs: readonly string[];
  outputs: readonly string[];
  kernel: PreparedKernel;
}

const IDENTITY = Int8Array.from({ length: 256 }, (_, i) => i - 128);

/**
 * The values that a chain of table steps makes from one source, by name. A value is derived when its step
 * is a table of one derived (or plain) value, or a pair table of two values derived from the same source.
 */
export function deriveChains(steps: readonly ChainStep[]): Map<string, Derived> {
  const derived = new Map<string, Derived>();
  const of = (name: string): Derived => derived.get(name) ?? { source: name, table: IDENTITY };
  for (const { inputs, outputs, kernel } of steps) {
    const lookup = kernel.lookup;
    if (!lookup || outputs.length !== 1) continue;
    const out = outputs[0]!;
    if ('unary' in lookup) {
      const x = of(inputs[lookup.input]!);
      const table = new Int8Array(256);
      for (let i = 0; i < 256; i++) table[i] = lookup.unary[x.table[i]! + 128]!;
      derived.set(out, { source: x.source, table });
    } else {
      const [a, b] = [of(inputs[0]!), of(inputs[1]!)];
      if (a.source !== b.source) continue;
      const table = new Int8Array(256);
      for (let i = 0; i < 256; i++) table[i] = lookup.pair[((a.table[i]! + 128) << 8) | (b.table[i]! + 128)]!;
      derived.set(out, { source: a.source, table });
    }
  }
  return derived;
}

/** The kernel of a derived value: its chain's table applied to the chain's source. */
export function chainKernel(d: Derived, shape: number[]): PreparedKernel {
  const table = d.table;
  return {
    outputs: [{ dtype: 'int8', shape }],
    run([input], [output]) {
      const [src, dst] = [input as Int8Array, output as Int8Array];
      for (let i = 0; i < dst.length; i++) dst[i] = table[src[i]! + 128]!;
    },
  };
}
