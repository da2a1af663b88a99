import { BuiltinOperator } from '../../../formats/tflite/schema.js';
import type { IntegerKernel } from '../../../runtime/integer/types.js';
import { attrInt } from '../../../ir/attrs.js';
import type { Graph, Node } from '../../../ir/graph.js';
import type { WeightChannels } from '../../../ops/types.js';
import type { Int8Rule } from './int8.js';
import type { OptionsSpec } from './options.js';
import type { VersionRule } from './version.js';

/** Everything the project knows about one TFLite builtin; one file per builtin in src/tflite/ops/. */
export interface TfliteBuiltin {
  /** The schema's BuiltinOperator name, which is the IR's opType in domain 'tflite'. */
  name: string;
  /** Its BuiltinOperator code. */
  code: number;
  /** Its BuiltinOptions table; null when it takes none. */
  options: OptionsSpec | null;
  /** The version a file must declare for a node with this signature. */
  version: VersionRule;
  /** How it runs int8; absent when the project keeps it float (its int8 form is not in the spec or not handled). */
  int8?: Int8Rule;
  /**
   * The output is the input squashed or moved (SOFTMAX, LOGISTIC, RESHAPE ...): a model result's extremes
   * are its input's extremes, so calibration keeps both whole.
   */
  keepsExtremes?: boolean;
  /**
   * What truncating pow2 hardware does to a mean error reaching the op (src/quant/tflite/floor-shift.ts):
   * 'exact' ops move or select int8 values without a shift (the error passes unchanged), 'table' ops
   * map each value through a function (it passes scaled by the slope), 'biased' ops accumulate into a
   * bias that can cancel it. Absent: the op's own shifts are worked out by floor-shift, or it stops there.
   */
  floorShift?: 'exact' | 'table' | 'biased';
  /** Option fields that name a subgraph (control flow: WHILE, IF, CALL_ONCE), checked on read. */
  subgraphFields?: readonly string[];
  /** How its constant weight indexes channels (equalization, bias correction; see WeightChannels). */
  weightChannels?: (node: Node, g: Graph) => WeightChannels | undefined;
  /**
   * f(s x) = s f(x) channel by channel (channels last) for every s > 0, given no fused activation that
   * clips (fusedClip): cross-layer equalization may scale a channel across it.
   */
  positivelyHomogeneous?: boolean;
  /** The integer executor's kernel; absent when the executor cannot run it. */
  kernel?: IntegerKernel;
}

export function defineBuiltin(spec: Omit<TfliteBuiltin, 'code'>): TfliteBuiltin {
  const code = BuiltinOperator[spec.name];
  if (code === undefined) throw new Error(`TFLite builtins: ${spec.name} is not in enum BuiltinOperator`);
  if (spec.kernel && spec.kernel.opType !== spec.name)
    throw new Error(`TFLite builtins: ${spec.name}'s kernel is registered as ${spec.kernel.opType}`);
  return { ...spec, code };
}

/**
 * The bounds of the activation a node applies to its own output (fused_activation_function): RELU
 * [0, inf), RELU6 [0, 6], RELU_N1_TO_1 [-1, 1]; NaN bounds for one that is no clip (TANH, SIGN_BIT);
 * undefined for none.
 */
export function fusedClip(node: Node): readonly [number, number] | undefined {
  const code = attrInt(node, 'fused_activation_function', 0);
  const bounds: Record<number, readonly [number, number]> = { 1: [0, Infinity], 2: [-1, 1], 3: [0, 6] };
  return code === 0 ? undefined : (bounds[code] ?? [NaN, NaN]);
}

/**
 * A conv or FC's channels: filter input 1, bias 2, output channels on `output`, a group's input channels
 * on `input`; groups from the input's channel count (channels last) over the filter's.
 */
export function weightedChannels(output: number, input: number) {
  return (node: Node, g: Graph): WeightChannels | undefined => {
    const w = g.initializers.get(node.inputs[1] ?? '');
    if (!w || w.dims.length <= Math.max(output, input)) return undefined;
    const x = g.typeOf(node.inputs[0]!);
    const c = x?.kind === 'tensor' ? x.shape?.at(-1) : undefined;
    const perGroup = w.dims[input]!;
    const groups = typeof c === 'number' && c > 0 && c % perGroup === 0 ? c / perGroup : 1;
    return { index: 1, bias: 2, output, input, groups, clip: fusedClip(node) };
  };
}
