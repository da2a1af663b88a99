/**
 * A TFLite model as plain data, mirroring schema.fbs table by table (names camelCased). Only what this
 * project reads and writes is here; `readTflite` refuses files that use the rest (sparsity, variant
 * tensors, external weight files, quantization details), rather than dropping it silently.
 */
import type { TensorTypeName } from './schema.js';

export type OptionValue = number | boolean | number[];

export interface TfliteOperatorCode {
  /** The operator's code: max(builtin_code, deprecated_builtin_code) when read. */
  builtinCode: number;
  deprecatedBuiltinCode: number;
  customCode?: string;
  version: number;
}

export interface TfliteQuantization {
  min?: number[];
  max?: number[];
  scale?: number[];
  zeroPoint?: number[];
  quantizedDimension: number;
}

export interface TfliteTensor {
  name: string;
  shape: number[];
  /** Unknown dimensions are -1. */
  shapeSignature?: number[];
  type: TensorTypeName;
  /** Index into `TfliteModel.buffers`; 0 is the always-empty sentinel. */
  buffer: number;
  quantization?: TfliteQuantization;
  isVariable: boolean;
  /** Distinguishes a scalar (shape [], hasRank true) from an unknown rank. */
  hasRank: boolean;
}

export interface TfliteOperator {
  opcodeIndex: number;
  /** Tensor indices; -1 marks an omitted optional input. */
  inputs: number[];
  outputs: number[];
  /** `BuiltinOptions` union type id (0: none). */
  builtinOptionsType: number;
  /** Field name (as in the schema) → value; every field of the table, defaults included. */
  builtinOptions: Record<string, OptionValue>;
  /** Opaque bytes of a custom op (FlexBuffers), passed through untouched. */
  customOptions?: Uint8Array;
  mutatingVariableInputs?: boolean[];
  intermediates?: number[];
}

export interface TfliteSubgraph {
  name: string;
  tensors: TfliteTensor[];
  inputs: number[];
  outputs: number[];
  operators: TfliteOperator[];
}

export interface TfliteBuffer {
  /** A view into the file's bytes (no copy) when read; absent for an empty buffer. */
  data?: Uint8Array;
  /**
   * Where the data was found when it is stored after the flatbuffer (schema 3c, >2 GiB models): file
   * offset and size. Informational; `writeTflite` places the data as its options say.
   */
  offset?: number;
  size?: number;
}

export interface TfliteMetadata {
  name: string;
  buffer: number;
}

export interface TfliteTensorMap {
  name: string;
  tensorIndex: number;
}

export interface TfliteSignatureDef {
  signatureKey: string;
  subgraphIndex: number;
  inputs: TfliteTensorMap[];
  outputs: TfliteTensorMap[];
}

export interface TfliteModel {
  version: number;
  description: string;
  operatorCodes: TfliteOperatorCode[];
  subgraphs: TfliteSubgraph[];
  buffers: TfliteBuffer[];
  /** Deprecated `metadata_buffer`: buffer indices. */
  metadataBuffer?: number[];
  metadata: TfliteMetadata[];
  signatureDefs: TfliteSignatureDef[];
}
