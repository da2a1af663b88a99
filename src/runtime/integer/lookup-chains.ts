/**
 * Chains of table ops read as one table. A step whose kernel is a table of its int8 input (a unary op, an
 * elementwise op with a one-element constant) or of a pair of same-shaped int8 inputs (an elementwise op)
 * makes a value that is, element by element, a function of the one value its chain starts from: the table
 * of the chain is the tables composed. PP-OCRv4 det's 86 hard-swishes are such chains (x -> MUL by a
 * constant -> ADD a constant -> MUL by x -> ADD a constant): each of the ~30 M elements of a 640x640 run
 * went through four tables, a third of a device run; one table from x gives the same int8 in one pass.
 */
import type { PreparedKernel } from './types.js';

/** A value that is `table[source + 128]` element by element (source int8; the value int8 or float32). */
export interface Derived {
  source: string;
  table: Int8Array | Float32Array;
}

/** A step as the chain rule sees it: its node's inputs and outputs, and its prepared kernel. */
export interface ChainStep {
  inputs: readonly string[];
  outputs: readonly string[];
  kernel: PreparedKernel;
}

const IDENTITY = Int8Array.from({ length: 256 }, (_, i) => i - 128);

/**
 * The values that a chain of table steps makes from one int8 source, by name. A value is derived when its
 * step is a table of one int8 value (derived or not), a pair table of two int8 values derived from the
 * same source, or a function of each element of a derived value (a float island's DEQUANTIZE, QUANTIZE).
 */
export function deriveChains(steps: readonly ChainStep[]): Map<string, Derived> {
  const derived = new Map<string, Derived>();
  const int8 = (name: string) => {
    const d = derived.get(name) ?? { source: name, table: IDENTITY };
    return d.table instanceof Int8Array ? { source: d.source, table: d.table } : undefined;
  };
  for (const { inputs, outputs, kernel } of steps) {
    const lookup = kernel.lookup;
    if (!lookup || outputs.length !== 1) continue;
    let d: Derived | undefined;
    if ('unary' in lookup) {
      const x = int8(inputs[lookup.input]!);
      const unary = lookup.unary;
      if (x) d = { source: x.source, table: unary.map((_, i) => unary[x.table[i]! + 128]!) };
    } else if ('element' in lookup) {
      const x = derived.get(inputs[lookup.input]!);
      if (x) d = { source: x.source, table: Int8Array.from(x.table, lookup.element) };
    } else {
      const [a, b] = [int8(inputs[0]!), int8(inputs[1]!)];
      if (a && b && a.source === b.source) {
        const table = new Int8Array(256);
        for (let i = 0; i < 256; i++)
          table[i] = lookup.pair[((a.table[i]! + 128) << 8) | (b.table[i]! + 128)]!;
        d = { source: a.source, table };
      }
    }
    if (d) derived.set(outputs[0]!, d);
  }
  return derived;
}

/** The kernel of a derived value: its chain's table applied to the chain's source. */
export function chainKernel(d: Derived, shape: number[]): PreparedKernel {
  const table = d.table;
  if (table instanceof Float32Array)
    return {
      outputs: [{ dtype: 'float32', shape }],
      run([input], [output]) {
        const [src, dst] = [input as Int8Array, output as Float32Array];
        for (let i = 0; i < dst.length; i++) dst[i] = table[src[i]! + 128]!;
      },
    };
  return {
    outputs: [{ dtype: 'int8', shape }],
    run([input], [output]) {
      const [src, dst] = [input as Int8Array, output as Int8Array];
      for (let i = 0; i < dst.length; i++) dst[i] = table[src[i]! + 128]!;
    },
  };
}
