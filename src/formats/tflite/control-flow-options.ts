/**
 * Options tables of the control-flow builtins (WHILE, IF, CALL_ONCE) and of ops without an options
 * table that this project reads (LOG), plus the empty options tables that ops inside kept subgraphs
 * commonly carry (comparisons, logic, shape ops), so that those subgraphs are written back as read.
 * Kept apart from schema-options.ts, which only gains the two spreads that merge these in.
 * Field order and defaults follow schema.fbs.
 */
import type { FieldSpec } from './schema-options.js';

const int = (name: string): FieldSpec => ({ name, type: 'int', default: 0 });

/** Empty tables in schema.fbs (no fields): reading and writing them loses nothing. */
const EMPTY = words(`
  LessOptions GreaterOptions GreaterEqualOptions LessEqualOptions EqualOptions NotEqualOptions
  LogicalOrOptions LogicalAndOptions LogicalNotOptions SelectOptions SelectV2Options NegOptions
  AbsOptions CosOptions SquareOptions ZerosLikeOptions FillOptions FloorDivOptions FloorModOptions
  RangeOptions TileOptions PowOptions RankOptions WhereOptions MatrixDiagOptions MatrixSetDiagOptions
  SignOptions ReadVariableOptions AssignVariableOptions BroadcastToOptions AddNOptions
  DynamicUpdateSliceOptions HashtableFindOptions HashtableImportOptions HashtableSizeOptions
`);

function words(text: string): string[] {
  return text.trim().split(/\s+/);
}

export const CONTROL_FLOW_TABLES: Record<string, readonly FieldSpec[]> = {
  IfOptions: [int('then_subgraph_index'), int('else_subgraph_index')],
  WhileOptions: [int('cond_subgraph_index'), int('body_subgraph_index')],
  CallOnceOptions: [int('init_subgraph_index')],
  ...Object.fromEntries(EMPTY.map((name) => [name, []])),
};

/** Builtins read into the IR and written back, beyond the quantizable set: they stay float. */
export const CONTROL_FLOW_OPS: Readonly<Record<string, string | null>> = {
  WHILE: 'WhileOptions',
  IF: 'IfOptions',
  CALL_ONCE: 'CallOnceOptions',
  LOG: null,
};

/** Option fields that name a subgraph, by op: checked on read, kept as they are on write. */
export const SUBGRAPH_FIELDS: Readonly<Record<string, readonly string[]>> = {
  WHILE: ['cond_subgraph_index', 'body_subgraph_index'],
  IF: ['then_subgraph_index', 'else_subgraph_index'],
  CALL_ONCE: ['init_subgraph_index'],
};
