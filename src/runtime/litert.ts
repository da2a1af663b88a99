/**
 * LiteRT (TFLite) runtime adapter: load a .tflite from bytes, run it on the CPU (XNNPACK in WASM).
 * Works below @litertjs/core's Tensor API, which only knows float32/int32/uint8, because quantized models
 * have int8 inputs and outputs.
 */
import { ModelFormatError } from '../errors.js';
import { readTflite } from '../formats/tflite/read.js';
import type { TfliteModel } from '../formats/tflite/model.js';
import {
  fromVector,
  getLiteRt,
  isTrap,
  resetLiteRt,
  type LiteRtInstance,
  type WasmCompiledModel,
  type WasmModel,
  type WasmSignature,
  type WasmTensorBuffer,
  type WasmTensorType,
} from './litert-wasm.js';

export type TfliteDType = 'float32' | 'int32' | 'uint8' | 'int8' | 'int16' | 'int64' | 'bool';
export type TfliteData = Float32Array | Int32Array | Uint8Array | Int8Array | Int16Array | BigInt64Array;

export interface TfliteTensorInfo {
  /** The name LiteRT gives the port: the SignatureDef key when the model has signatures. */
  name: string;
  /** The subgraph tensor's own name (what the project's IR calls the value). */
  tensorName: string;
  shape: number[];
  dtype: TfliteDType;
}
export interface TfliteOutput {
  data: TfliteData;
  shape: number[];
  dtype: TfliteDType;
}
export interface TfliteRunner {
  readonly inputs: readonly TfliteTensorInfo[];
  readonly outputs: readonly TfliteTensorInfo[];
  /**
   * Feeds by input name (signature key or tensor name), or in input order. Outputs are keyed by both the
   * signature key and the tensor name. A runtime fault is a ModelFormatError naming the model and LiteRT.
   */
  run(feeds: Record<string, TfliteData> | TfliteData[]): Promise<Record<string, TfliteOutput>>;
  close(): void;
}

type DataCtor = { new (buffer: ArrayBuffer): TfliteData; BYTES_PER_ELEMENT: number };
interface DTypeInfo {
  dtype: TfliteDType;
  ctor: DataCtor;
}
/** litert::ElementType codes (litert_model_types.h, mirrored in @litertjs/core's ElementType). */
const ELEMENT_TYPES: Record<number, DTypeInfo> = {
  1: { dtype: 'float32', ctor: Float32Array },
  2: { dtype: 'int32', ctor: Int32Array },
  3: { dtype: 'uint8', ctor: Uint8Array },
  4: { dtype: 'int64', ctor: BigInt64Array },
  6: { dtype: 'bool', ctor: Uint8Array },
  7: { dtype: 'int16', ctor: Int16Array },
  9: { dtype: 'int8', ctor: Int8Array },
};

function dtypeOf(type: WasmTensorType, what: string): DTypeInfo {
  const code = type.elementType().value;
  const info = ELEMENT_TYPES[code];
  if (!info)
    throw new TypeError(`LiteRT: ${what} has element type ${code}, which this adapter does not support`);
  return info;
}

function shapeOf(type: WasmTensorType): number[] {
  const layout = type.layout();
  const dims = fromVector(layout.dimensions());
  layout.delete();
  return dims;
}

interface Port extends TfliteTensorInfo {
  info: DTypeInfo;
  type: WasmTensorType;
}

/**
 * Loads and compiles a model for the CPU. `name` is used in error messages (the file name, usually). The
 * bytes are checked by the project's reader first: LiteRT trusts what it reads, and a file that is wrong
 * where it does not look (an index, a shape, a subgraph reference) can make its WASM trap.
 */
export async function loadTflite(bytes: Uint8Array, name = '<tflite bytes>'): Promise<TfliteRunner> {
  const parsed = readTflite(bytes, name);
  const rt = await getLiteRt();
  const { wasm } = rt;
  const ptr = wasm._malloc(bytes.byteLength);
  wasm.HEAPU8.set(bytes, ptr);
  let model: WasmModel | undefined;
  let compiled: WasmCompiledModel | undefined;
  try {
    model = wasm.loadModel(rt.env, ptr, bytes.byteLength);
    compiled = await wasm.compileModel(rt.env, model, {
      accelerator: 'wasm',
      cpuOptions: { numThreads: 1 },
      gpuOptions: {},
      webNNOptions: {},
    });
    return new Runner(rt, ptr, model, compiled, name, tensorNames(parsed));
  } catch (error) {
    let trapped = isTrap(error);
    try {
      if (!trapped) {
        compiled?.delete();
        model?.delete();
        wasm._free(ptr);
      }
    } catch {
      trapped = true; // freeing what a damaged model left behind trapped
    }
    if (trapped) resetLiteRt();
    throw new ModelFormatError(name, `LiteRT cannot load the model: ${describe(error, rt.log)}`);
  }
}

/** Port name → tensor name, for the first signature (or the first subgraph when there is none). */
function tensorNames(m: TfliteModel): Map<string, string> {
  const names = new Map<string, string>();
  const sig = m.signatureDefs[0];
  const sg = m.subgraphs[sig?.subgraphIndex ?? 0];
  if (!sg) return names;
  if (sig) {
    for (const t of [...sig.inputs, ...sig.outputs])
      names.set(t.name, sg.tensors[t.tensorIndex]?.name ?? t.name);
  }
  return names;
}

function describe(error: unknown, log: string[]): string {
  const raw = error instanceof Error ? error.message : String(error);
  // LiteRT's messages carry newlines and tree glyphs; one line reads better in the CLI's error.
  const message = raw.replace(/\s*\n\s*[└├│─\s]*/g, '; ').trim();
  const last = log.filter((line) => /ERROR/.test(line)).slice(-3);
  return last.length ? `${message} (${last.join('; ')})` : message;
}

class Runner implements TfliteRunner {
  readonly inputs: TfliteTensorInfo[];
  readonly outputs: TfliteTensorInfo[];
  private readonly inPorts: Port[];
  private readonly outPorts: Port[];
  private readonly signature: WasmSignature;
  private closed = false;
  /** Set when LiteRT's WASM trapped under this model: its objects belong to a discarded instance. */
  private broken = false;

  constructor(
    private readonly rt: LiteRtInstance,
    private readonly ptr: number,
    private readonly model: WasmModel,
    private readonly compiled: WasmCompiledModel,
    private readonly file: string,
    tensorNames: Map<string, string>,
  ) {
    this.signature = model.getSignature(0);
    const ports = (names: string[], get: (i: number) => WasmTensorType): Port[] =>
      names.map((portName, i) => {
        const type = get(i);
        const info = dtypeOf(type, `tensor '${portName}'`);
        const tensorName = tensorNames.get(portName) ?? portName;
        return { name: portName, tensorName, shape: shapeOf(type), dtype: info.dtype, info, type };
      });
    this.inPorts = ports(fromVector(this.signature.inputNames()), (i) => model.getInputTensorType(0, i));
    this.outPorts = ports(fromVector(this.signature.outputNames()), (i) => model.getOutputTensorType(0, i));
    const info = ({ name, tensorName, shape, dtype }: Port): TfliteTensorInfo => ({
      name,
      tensorName,
      shape: [...shape],
      dtype,
    });
    this.inputs = this.inPorts.map(info);
    this.outputs = this.outPorts.map(info);
  }

  async run(feeds: Record<string, TfliteData> | TfliteData[]): Promise<Record<string, TfliteOutput>> {
    if (this.closed) throw new Error('LiteRT: run() on a closed model');
    const buffers: WasmTensorBuffer[] = [];
    let outputs: WasmTensorBuffer[] = [];
    try {
      this.inPorts.forEach((port, i) => buffers.push(this.toBuffer(port, pickFeed(feeds, port, i))));
      outputs = await this.invoke(buffers);
      const result: Record<string, TfliteOutput> = {};
      outputs.forEach((buffer, i) => {
        const port = this.outPorts[i];
        if (port) result[port.name] = result[port.tensorName] = this.fromBuffer(buffer, port);
      });
      return result;
    } finally {
      this.guard('fails releasing its tensors', () => {
        for (const buffer of [...buffers, ...outputs]) buffer.delete();
      });
    }
  }

  /**
   * LiteRT's run, its failures (an error it reports, or a trap of its WASM) as errors naming the model.
   * A kernel that refuses the graph when LiteRT prepares it ("failed to prepare", then "Failed to allocate
   * tensors") only prints ERROR lines: the run still hands back output buffers, never written.
   */
  private async invoke(buffers: WasmTensorBuffer[]): Promise<WasmTensorBuffer[]> {
    const errors = this.rt.errors;
    let outputs: WasmTensorBuffer[];
    try {
      outputs = await this.compiled.run(0, buffers);
    } catch (error) {
      throw this.fault('fails running the model', error);
    }
    if (this.rt.errors > errors) {
      for (const buffer of outputs) buffer.delete();
      throw this.fault('refuses the model', new Error('it printed errors'));
    }
    return outputs;
  }

  /**
   * Runs `f` on this model's LiteRT objects unless the instance trapped before. A trap here (memory a
   * kernel overwrote while running a damaged model shows up when it is freed) is the model's fault too.
   */
  private guard(doing: string, f: () => void): void {
    if (this.broken) return;
    try {
      f();
    } catch (error) {
      throw this.fault(doing, error);
    }
  }

  private fault(doing: string, error: unknown): ModelFormatError {
    if (isTrap(error)) {
      // A trapped instance may be left inconsistent: nothing of it is touched again.
      this.broken = true;
      resetLiteRt();
    }
    return new ModelFormatError(this.file, `LiteRT ${doing}: ${describe(error, this.rt.log)}`);
  }

  private toBuffer(port: Port, data: TfliteData): WasmTensorBuffer {
    if (!(data instanceof port.info.ctor)) {
      throw new TypeError(`LiteRT: input '${port.name}' is ${port.dtype}, got a ${data.constructor.name}`);
    }
    const size = port.type.bytes();
    if (data.byteLength !== size) {
      throw new RangeError(
        `LiteRT: input '${port.name}' has shape [${port.shape}] (${size} bytes), got ${data.byteLength} bytes`,
      );
    }
    const { wasm, env } = this.rt;
    const buffer = wasm.LiteRtTensorBuffer.createManaged(
      env,
      wasm.LiteRtTensorBufferType.HOST_MEMORY,
      port.type,
      size,
    );
    const dst = buffer.lock(wasm.LiteRtTensorBufferLockMode.WRITE);
    wasm.HEAPU8.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), dst);
    buffer.unlock();
    return buffer;
  }

  private fromBuffer(buffer: WasmTensorBuffer, port: Port): TfliteOutput {
    const { wasm } = this.rt;
    const type = buffer.tensorType();
    const shape = shapeOf(type);
    type.delete();
    if (buffer.offset() !== 0) throw new Error(`LiteRT: output '${port.name}' has an offset buffer`);
    const src = buffer.lock(wasm.LiteRtTensorBufferLockMode.READ);
    // slice() copies out of the WASM heap, which later calls may grow or reuse.
    const bytes = wasm.HEAPU8.slice(src, src + buffer.packedSize());
    buffer.unlock();
    return { data: new port.info.ctor(bytes.buffer), shape, dtype: port.dtype };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.guard('fails releasing the model', () => {
      for (const port of [...this.inPorts, ...this.outPorts]) port.type.delete();
      this.signature.delete();
      this.compiled.delete();
      this.model.delete();
      this.rt.wasm._free(this.ptr);
    });
  }
}

function pickFeed(feeds: Record<string, TfliteData> | TfliteData[], port: Port, index: number): TfliteData {
  const data = Array.isArray(feeds) ? feeds[index] : (feeds[port.name] ?? feeds[port.tensorName]);
  if (!data) {
    const also = port.tensorName !== port.name ? ` or '${port.tensorName}'` : '';
    throw new RangeError(`LiteRT: no data for input '${port.name}'${also} (index ${index})`);
  }
  return data;
}
