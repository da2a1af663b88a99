/**
 * What a TFLite model holds that the IR has no field for, and where it rides along in the IR's `extra`
 * bags so that TFLite → IR → TFLite keeps it. Quantization parameters are IR data (`quant` of values and
 * constants, `QParams`), not extras.
 */
import type { DType } from '../../ir/dtype.js';
import type { TfliteOperator, TfliteOperatorCode, TfliteTensor } from './model.js';
import type { TensorTypeName } from './schema.js';

/** `extra.tflite` of a value or constant: tensor fields with no IR equivalent, only when not default. */
export interface TfliteTensorExtra {
  /** The tensor's name when the IR value had to be renamed (empty or duplicate names). */
  name?: string;
  hasRank?: true;
  isVariable?: true;
  /** The file had a shape_signature for this tensor. */
  shapeSignature?: true;
  /** A main-subgraph input's or output's SignatureDef key, when it differs from the value's name. */
  signatureKey?: string;
}

/** `extra.tflite` of a node: the operator version it had in the file. */
export interface TfliteNodeExtra {
  version: number;
}

/** `extra.tflite` of the model: metadata buffers and signatures, with tensor indices turned into names. */
export interface TfliteModelExtra {
  metadata: { name: string; data: Uint8Array }[];
  /** Deprecated `metadata_buffer` entries, as buffer contents. */
  metadataBuffers: Uint8Array[];
  signatureDefs: {
    signatureKey: string;
    inputs: { name: string; value: string }[];
    outputs: { name: string; value: string }[];
  }[];
  /**
   * Subgraphs after the first (bodies of WHILE, IF, CALL_ONCE), kept as read and written back after the
   * main one in the same order, so the subgraph indices in control-flow options stay valid.
   */
  subgraphs?: KeptSubgraph[];
  /** The file the model was read from, for errors of runtimes that load copies of it. */
  file?: string;
}

/** A subgraph carried through as TFLite data: constant bytes and operator codes inline, no indices. */
export interface KeptSubgraph {
  name: string;
  tensors: (Omit<TfliteTensor, 'buffer'> & { data?: Uint8Array })[];
  inputs: number[];
  outputs: number[];
  operators: (Omit<TfliteOperator, 'opcodeIndex'> & { code: TfliteOperatorCode })[];
}

/** TFLite TensorType ↔ IR DType (RESOURCE and VARIANT have no IR type). */
export const DTYPE_OF: Partial<Record<TensorTypeName, DType>> = {
  FLOAT32: 'float32',
  FLOAT16: 'float16',
  INT32: 'int32',
  UINT8: 'uint8',
  INT64: 'int64',
  STRING: 'string',
  BOOL: 'bool',
  INT16: 'int16',
  COMPLEX64: 'complex64',
  INT8: 'int8',
  FLOAT64: 'float64',
  COMPLEX128: 'complex128',
  UINT64: 'uint64',
  UINT32: 'uint32',
  UINT16: 'uint16',
  INT4: 'int4',
  BFLOAT16: 'bfloat16',
  INT2: 'int2',
  UINT4: 'uint4',
  FLOAT8_E4M3FN: 'float8e4m3fn',
  FLOAT8_E5M2: 'float8e5m2',
};

export const TFLITE_TYPE_OF: Partial<Record<DType, TensorTypeName>> = Object.fromEntries(
  Object.entries(DTYPE_OF).map(([tfl, dtype]) => [dtype, tfl]),
);
