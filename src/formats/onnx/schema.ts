import protobuf from 'protobufjs';

// The ONNX protobuf messages, as facts of onnx/onnx.proto (field numbers and types; proto2, so repeated
// scalars are unpacked on the wire but both encodings are accepted when reading). Written as a protobufjs
// JSON descriptor so no .proto file has to be found at run time or bundled.

type Field = { type: string; id: number; rule?: 'repeated'; options?: Record<string, unknown> };
const f = (type: string, id: number): Field => ({ type, id });
const r = (type: string, id: number): Field => ({ type, id, rule: 'repeated' });
const rp = (type: string, id: number): Field => ({ type, id, rule: 'repeated', options: { packed: true } });

const messages: Record<string, Record<string, Field>> = {
  StringStringEntryProto: { key: f('string', 1), value: f('string', 2) },
  OperatorSetIdProto: { domain: f('string', 1), version: f('int64', 2) },
  AttributeProto: {
    name: f('string', 1),
    refAttrName: f('string', 21),
    docString: f('string', 13),
    type: f('int32', 20),
    f: f('float', 2),
    i: f('int64', 3),
    s: f('bytes', 4),
    t: f('TensorProto', 5),
    g: f('GraphProto', 6),
    sparseTensor: f('SparseTensorProto', 22),
    tp: f('TypeProto', 14),
    floats: r('float', 7),
    ints: r('int64', 8),
    strings: r('bytes', 9),
    tensors: r('TensorProto', 10),
    graphs: r('GraphProto', 11),
    sparseTensors: r('SparseTensorProto', 23),
    typeProtos: r('TypeProto', 15),
  },
  ValueInfoProto: {
    name: f('string', 1),
    type: f('TypeProto', 2),
    docString: f('string', 3),
    metadataProps: r('StringStringEntryProto', 4),
  },
  NodeProto: {
    input: r('string', 1),
    output: r('string', 2),
    name: f('string', 3),
    opType: f('string', 4),
    domain: f('string', 7),
    overload: f('string', 8),
    attribute: r('AttributeProto', 5),
    docString: f('string', 6),
    metadataProps: r('StringStringEntryProto', 9),
    deviceConfigurations: r('NodeDeviceConfigurationProto', 10),
  },
  IntIntListEntryProto: { key: f('int64', 1), value: r('int64', 2) },
  NodeDeviceConfigurationProto: {
    configurationId: f('string', 1),
    shardingSpec: r('ShardingSpecProto', 2),
    pipelineStage: f('int32', 3),
  },
  ShardingSpecProto: {
    tensorName: f('string', 1),
    device: r('int64', 2),
    indexToDeviceGroupMap: r('IntIntListEntryProto', 3),
    shardedDim: r('ShardedDimProto', 4),
  },
  ShardedDimProto: { axis: f('int64', 1), simpleSharding: r('SimpleShardedDimProto', 2) },
  SimpleShardedDimProto: { dimValue: f('int64', 1), dimParam: f('string', 2), numShards: f('int64', 3) },
  TrainingInfoProto: {
    initialization: f('GraphProto', 1),
    algorithm: f('GraphProto', 2),
    initializationBinding: r('StringStringEntryProto', 3),
    updateBinding: r('StringStringEntryProto', 4),
  },
  ModelProto: {
    irVersion: f('int64', 1),
    opsetImport: r('OperatorSetIdProto', 8),
    producerName: f('string', 2),
    producerVersion: f('string', 3),
    domain: f('string', 4),
    modelVersion: f('int64', 5),
    docString: f('string', 6),
    graph: f('GraphProto', 7),
    metadataProps: r('StringStringEntryProto', 14),
    trainingInfo: r('TrainingInfoProto', 20),
    functions: r('FunctionProto', 25),
    configuration: r('DeviceConfigurationProto', 26),
  },
  DeviceConfigurationProto: { name: f('string', 1), numDevices: f('int32', 2), device: r('string', 3) },
  TensorAnnotation: {
    tensorName: f('string', 1),
    quantParameterTensorNames: r('StringStringEntryProto', 2),
  },
  GraphProto: {
    node: r('NodeProto', 1),
    name: f('string', 2),
    initializer: r('TensorProto', 5),
    sparseInitializer: r('SparseTensorProto', 15),
    docString: f('string', 10),
    input: r('ValueInfoProto', 11),
    output: r('ValueInfoProto', 12),
    valueInfo: r('ValueInfoProto', 13),
    quantizationAnnotation: r('TensorAnnotation', 14),
    metadataProps: r('StringStringEntryProto', 16),
  },
  TensorProto: {
    dims: r('int64', 1),
    dataType: f('int32', 2),
    segment: f('Segment', 3),
    floatData: rp('float', 4),
    int32Data: rp('int32', 5),
    stringData: r('bytes', 6),
    int64Data: rp('int64', 7),
    name: f('string', 8),
    docString: f('string', 12),
    rawData: f('bytes', 9),
    externalData: r('StringStringEntryProto', 13),
    dataLocation: f('int32', 14),
    doubleData: rp('double', 10),
    uint64Data: rp('uint64', 11),
    metadataProps: r('StringStringEntryProto', 16),
  },
  Segment: { begin: f('int64', 1), end: f('int64', 2) },
  SparseTensorProto: { values: f('TensorProto', 1), indices: f('TensorProto', 2), dims: r('int64', 3) },
  TensorShapeProto: { dim: r('Dimension', 1) },
  Dimension: { dimValue: f('int64', 1), dimParam: f('string', 2), denotation: f('string', 3) },
  TypeProto: {
    tensorType: f('TypeTensor', 1),
    sequenceType: f('TypeSequence', 4),
    mapType: f('TypeMap', 5),
    optionalType: f('TypeOptional', 9),
    sparseTensorType: f('TypeSparseTensor', 8),
    opaqueType: f('TypeOpaque', 7),
    denotation: f('string', 6),
  },
  TypeTensor: { elemType: f('int32', 1), shape: f('TensorShapeProto', 2) },
  TypeSequence: { elemType: f('TypeProto', 1) },
  TypeMap: { keyType: f('int32', 1), valueType: f('TypeProto', 2) },
  TypeOptional: { elemType: f('TypeProto', 1) },
  TypeSparseTensor: { elemType: f('int32', 1), shape: f('TensorShapeProto', 2) },
  TypeOpaque: { domain: f('string', 1), name: f('string', 2) },
  OperatorSetIdProtoList: { opsetImport: r('OperatorSetIdProto', 1) },
  FunctionProto: {
    name: f('string', 1),
    input: r('string', 4),
    output: r('string', 5),
    attribute: r('string', 6),
    attributeProto: r('AttributeProto', 11),
    node: r('NodeProto', 7),
    docString: f('string', 8),
    opsetImport: r('OperatorSetIdProto', 9),
    domain: f('string', 10),
    overload: f('string', 13),
    valueInfo: r('ValueInfoProto', 12),
    metadataProps: r('StringStringEntryProto', 14),
  },
};

const root = protobuf.Root.fromJSON({
  nested: {
    onnx: { nested: Object.fromEntries(Object.entries(messages).map(([k, fields]) => [k, { fields }])) },
  },
});

export const ModelProto = root.lookupType('onnx.ModelProto');
export const TensorProto = root.lookupType('onnx.TensorProto');
export const GraphProto = root.lookupType('onnx.GraphProto');
export const NodeProto = root.lookupType('onnx.NodeProto');
export const AttributeProto = root.lookupType('onnx.AttributeProto');

/** TensorProto.DataLocation.EXTERNAL */
export const DATA_LOCATION_EXTERNAL = 1;

/** AttributeProto.AttributeType codes. */
export const ATTR_TYPE = {
  float: 1,
  int: 2,
  string: 3,
  tensor: 4,
  graph: 5,
  floats: 6,
  ints: 7,
  strings: 8,
  tensors: 9,
  graphs: 10,
  sparseTensor: 11,
  sparseTensors: 12,
  typeProto: 13,
  typeProtos: 14,
} as const;
