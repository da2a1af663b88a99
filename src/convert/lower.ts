import { UnsupportedOpError } from '../errors.js';
import type { DType } from '../ir/dtype.js';
import { Graph, topoSort, type Attribute, type Node, type ValueInfo } from '../ir/graph.js';
import type { Tensor } from '../ir/tensor.js';
import type { QParams } from '../quant/params.js';
import { applyPerm, identity } from './layout-math.js';
import { getOp, loweredOps, tfliteLowering } from '../ops/index.js';
import type { LowerContext, TfliteLowering } from './lowering/types.js';
import type { ConvState } from './types.js';

/** A TFLite tensor's type: storage dtype, physical shape, int8 parameters. */
export interface PhysicalType {
  dtype: DType;
  shape: number[];
  params?: QParams;
}

/**
 * Lowers every ONNX node to TFLite ops through its lowering (the `tflite` part of src/ops/<OpType>.ts). A node runs
 * int8 when TFLite has an int8 kernel for it and the QDQ graph quantized its float inputs and outputs;
 * otherwise it runs float, its int8 inputs behind a DEQUANTIZE (one per value) and its int8 outputs
 * behind a QUANTIZE: ops the QDQ graph leaves float stay float.
 */
export function lower(s: ConvState, keepFloat: readonly string[] = []): { graph: Graph; floatOps: string[] } {
  const l = new Lowering(s, keepFloat);
  for (const node of topoSort(s.graph)) l.lowerNode(node);
  return { graph: l.finish(), floatOps: l.floatOps };
}

export class Lowering {
  readonly out = new Graph();
  readonly values = new Map<string, PhysicalType>();
  readonly aliases = new Map<string, string>();
  readonly floatOps: string[] = [];
  private readonly dequantized = new Map<string, string>();
  private readonly names: Set<string>;

  constructor(
    readonly s: ConvState,
    private readonly keepFloat: readonly string[] = [],
  ) {
    this.out.name = s.graph.name;
    const g = s.graph;
    this.names = new Set([...g.initializers.keys(), ...s.types.keys(), ...g.inputs.map((v) => v.name)]);
    for (const n of g.nodes) for (const v of [...n.inputs, ...n.outputs]) this.names.add(v);
  }

  fresh(base: string): string {
    let name = base;
    for (let i = 1; this.names.has(name); i++) name = `${base}_${i}`;
    this.names.add(name);
    return name;
  }

  resolve(v: string): string {
    let name = v;
    while (this.aliases.has(name)) name = this.aliases.get(name)!;
    return name;
  }

  /** The TFLite type of a value: as registered when lowering made it, else from the pass state. */
  typeOf(v: string): PhysicalType {
    const known = this.values.get(v);
    if (known) return known;
    const t = this.s.types.get(v);
    if (!t)
      throw new Error(`TFLite conversion: the shape of '${v}' is not known statically; give --input_shape`);
    const params = this.s.quant.get(v);
    const shape = applyPerm(t.shape, this.s.perm.get(v) ?? identity(t.shape.length));
    const stored = params?.bits === 16 ? 'int16' : 'int8';
    const type: PhysicalType = { dtype: params ? stored : t.dtype, shape, ...(params ? { params } : {}) };
    this.values.set(v, type);
    return type;
  }

  emit(opType: string, inputs: string[], outputs: string[], attrs: Record<string, Attribute> = {}): void {
    const ins = inputs.map((i) => (i ? this.resolve(i) : ''));
    this.out.nodes.push({ name: outputs[0]!, opType, domain: 'tflite', inputs: ins, outputs, attrs });
  }

  addConstant(base: string, t: Tensor): string {
    const name = this.fresh(base);
    this.out.initializers.set(name, t);
    return name;
  }

  addValue(base: string, type: PhysicalType): string {
    const name = this.fresh(base);
    this.values.set(name, type);
    return name;
  }

  /** The float view of an int8 value: one DEQUANTIZE per value. */
  dequantize(v: string): string {
    const known = this.dequantized.get(v);
    if (known) return known;
    const name = this.addValue(`${v}_dequantized`, { dtype: 'float32', shape: this.typeOf(v).shape });
    this.emit('DEQUANTIZE', [v], [name]);
    this.dequantized.set(v, name);
    return name;
  }

  lowerNode(node: Node): void {
    if (node.domain === 'tflite') {
      for (const o of node.outputs) this.typeOf(o);
      return this.emit(node.opType, node.inputs, node.outputs, node.attrs);
    }
    const mapping = node.domain === '' ? tfliteLowering(node.opType) : undefined;
    if (!mapping) {
      const op = node.domain ? `${node.domain}.${node.opType}` : node.opType;
      throw new UnsupportedOpError(
        node.name || node.outputs[0]!,
        op,
        loweredOps(),
        'in ONNX to TFLite conversion',
      );
    }
    const int8 = this.runsInt8(node, mapping);
    if (!int8 && node.outputs.some((o) => this.s.quant.has(o)))
      this.floatOps.push(node.name || node.outputs[0]!);
    const cx = new Context(this, node, int8);
    mapping.lower(node, cx);
    cx.quantizeOutputs();
  }

  private runsInt8(node: Node, mapping: TfliteLowering): boolean {
    const capable = typeof mapping.int8 === 'function' ? mapping.int8(node, this.s) : mapping.int8;
    if (!capable || this.keepFloat.includes(node.name) || this.keepFloat.includes(node.opType)) return false;
    const isFloat = (v: string) => this.s.types.get(v)?.dtype === 'float32';
    const data = node.inputs.filter((v) => v && !this.s.graph.initializers.has(v) && isFloat(v));
    const outs = node.outputs.filter((o) => o && isFloat(o));
    const values = [...data, ...outs];
    if (values.length === 0 || !values.every((v) => this.s.quant.has(v))) return false;
    // int16 values (16x8): only ops with int16 kernels run on them; any other runs float between them.
    return getOp(node.opType)?.int16 === true || values.every((v) => this.s.quant.get(v)!.bits !== 16);
  }

  finish(): Graph {
    const g = this.out;
    const src = this.s.graph;
    const outputs = src.outputs.map((v) => v.name);
    for (const y of outputs) this.bindOutput(y, new Set(outputs));
    const used = new Set(g.nodes.flatMap((n) => [...n.inputs, ...n.outputs]));
    for (const v of used) {
      const t = src.initializers.get(v);
      if (t && !g.initializers.has(v)) g.initializers.set(v, t);
    }
    const info = (name: string): ValueInfo => {
      const t = this.typeOf(name);
      return {
        name,
        type: { kind: 'tensor', dtype: t.dtype, shape: t.shape },
        ...(t.params ? { quant: t.params } : {}),
      };
    };
    g.inputs = src.runtimeInputs().map((v) => info(v.name));
    g.outputs = outputs.map(info);
    const io = new Set([...g.inputs, ...g.outputs].map((v) => v.name));
    for (const v of used) if (v && !g.initializers.has(v) && !io.has(v)) g.valueInfo.set(v, info(v));
    g.nodes = topoSort(g);
    return g;
  }

  /** A graph output that lowering aliased to another tensor takes that tensor's place (or a copy of it). */
  private bindOutput(y: string, outputs: Set<string>): void {
    const r = this.resolve(y);
    if (r === y) return;
    const producer = this.out.nodes.find((n) => n.outputs.includes(r));
    const isInput = this.s.graph.inputs.some((v) => v.name === r);
    if (producer && !isInput && !outputs.has(r)) {
      this.values.set(y, this.typeOf(r));
      for (const n of this.out.nodes) {
        n.inputs = n.inputs.map((i) => (i === r ? y : i));
        n.outputs = n.outputs.map((o) => (o === r ? y : o));
      }
      this.aliases.set(r, y);
      this.aliases.delete(y);
      return;
    }
    this.aliases.delete(y);
    this.values.set(y, this.typeOf(r));
    this.emit('RESHAPE', [r], [y], { new_shape: { kind: 'ints', value: this.typeOf(r).shape } });
  }
}

class Context implements LowerContext {
  private readonly outs = new Map<number, string>();
  private readonly toQuantize: [string, string][] = [];

  constructor(
    private readonly l: Lowering,
    readonly node: Node,
    readonly int8: boolean,
  ) {}

  get state() {
    return this.l.s;
  }

  input(i: number): string {
    const v = this.node.inputs[i];
    if (!v || this.l.s.graph.initializers.has(v)) return '';
    const r = this.l.resolve(v);
    return !this.int8 && this.l.typeOf(r).params ? this.l.dequantize(r) : r;
  }

  output(i: number): string {
    const known = this.outs.get(i);
    if (known) return known;
    const o = this.node.outputs[i]!;
    const t = this.l.typeOf(o);
    let name = o;
    if (!this.int8 && t.params) {
      name = this.l.addValue(`${o}_float`, { dtype: 'float32', shape: t.shape });
      this.toQuantize.push([name, o]);
    }
    this.outs.set(i, name);
    return name;
  }

  constant(i: number): Tensor | undefined {
    const v = this.node.inputs[i];
    return v ? this.l.s.graph.initializers.get(v) : undefined;
  }

  inShape(i: number): number[] {
    const v = this.node.inputs[i]!;
    return this.constant(i)?.dims.slice() ?? this.l.s.types.get(v)?.shape ?? this.missing(v);
  }

  outShape(i: number): number[] {
    const v = this.node.outputs[i]!;
    return this.l.s.types.get(v)?.shape ?? this.missing(v);
  }

  private missing(v: string): never {
    throw new Error(
      `TFLite conversion: the shape of '${v}' (node '${this.node.name}') is not static; give --input_shape`,
    );
  }

  inPerm(i: number): number[] {
    return this.l.s.perm.get(this.node.inputs[i]!) ?? identity(this.inShape(i).length);
  }

  outPerm(i: number): number[] {
    return this.l.s.perm.get(this.node.outputs[i]!) ?? identity(this.outShape(i).length);
  }

  inParams(i: number): QParams | undefined {
    return this.int8 ? this.l.s.quant.get(this.node.inputs[i]!) : undefined;
  }

  outParams(i: number): QParams | undefined {
    return this.int8 ? this.l.s.quant.get(this.node.outputs[i]!) : undefined;
  }

  emit(opType: string, inputs: string[], outputs: string[], attrs: Record<string, Attribute> = {}): void {
    this.l.emit(opType, inputs, outputs, attrs);
  }

  addConstant(base: string, t: Tensor): string {
    return this.l.addConstant(base, t);
  }

  addValue(base: string, dtype: DType, shape: number[], params?: QParams): string {
    return this.l.addValue(base, { dtype, shape, ...(params ? { params } : {}) });
  }

  alias(i: number, name: string): void {
    this.l.aliases.set(this.output(i), name);
  }

  /** A float op's int8 outputs: QUANTIZE from the float result. */
  quantizeOutputs(): void {
    for (const [from, to] of this.toQuantize) this.l.emit('QUANTIZE', [from], [to]);
  }
}
