/**
 * Writing the typed model back as ONNX with the same protobuf library and schema it was
 * read with. What the model carries is written as is: graph input and output names, node
 * names, opsets, producer, model version, doc strings and metadata, so an edited model keeps
 * the interface and names of the file it came from. Tensors are written as little-endian
 * raw_data, inline or, on request, in one external data file beside the model.
 *
 * Intermediate value_info shape hints are not written: after an edit (channels sliced) the
 * source's hints would be wrong, and ONNX Runtime infers shapes itself.
 */
import { create, toBinary } from '@bufbuild/protobuf';
import path from 'node:path';
import { writeFileAtomic } from '../util/atomicWrite';
import { PruneLensError } from '../util/errors';
import {
  AttributeProto_AttributeType as AttrType,
  AttributeProtoSchema,
  GraphProtoSchema,
  ModelProtoSchema,
  NodeProtoSchema,
  TensorProto_DataLocation,
  TensorProtoSchema,
  TensorShapeProto_DimensionSchema,
  TensorShapeProtoSchema,
  TypeProto_TensorSchema,
  TypeProtoSchema,
  ValueInfoProtoSchema,
  type AttributeProto,
  type TensorProto,
  type ValueInfoProto,
} from './schema/onnx_pb';
import { littleEndianBytes } from './tensorData';
import type { OnnxIrAttribute, OnnxIrModel, OnnxIrNode, OnnxIrTensor, OnnxIrValue } from './types';

const utf8 = new TextEncoder();

/** Where a tensor's bytes go: inline, or a range of the external data file. */
type TensorPlacement = (t: OnnxIrTensor, bytes: Uint8Array) => { location: string; offset: number } | undefined;

function tensorToProto(t: OnnxIrTensor, place?: TensorPlacement): TensorProto {
  const bytes = littleEndianBytes(t.data);
  const external = place?.(t, bytes);
  const base = { name: t.name, dataType: t.dataType, dims: t.dims.map(BigInt) };
  if (external === undefined) return create(TensorProtoSchema, { ...base, rawData: bytes });
  return create(TensorProtoSchema, {
    ...base,
    dataLocation: TensorProto_DataLocation.EXTERNAL,
    externalData: [
      { key: 'location', value: external.location },
      { key: 'offset', value: String(external.offset) },
      { key: 'length', value: String(bytes.length) },
    ],
  });
}

function attributeToProto(a: OnnxIrAttribute): AttributeProto {
  switch (a.kind) {
    case 'int':
      return create(AttributeProtoSchema, { name: a.name, type: AttrType.INT, i: BigInt(a.value) });
    case 'float':
      return create(AttributeProtoSchema, { name: a.name, type: AttrType.FLOAT, f: a.value });
    case 'string':
      return create(AttributeProtoSchema, { name: a.name, type: AttrType.STRING, s: utf8.encode(a.value) });
    case 'ints':
      return create(AttributeProtoSchema, { name: a.name, type: AttrType.INTS, ints: a.value.map(BigInt) });
    case 'floats':
      return create(AttributeProtoSchema, { name: a.name, type: AttrType.FLOATS, floats: [...a.value] });
    case 'strings':
      return create(AttributeProtoSchema, { name: a.name, type: AttrType.STRINGS, strings: a.value.map((s) => utf8.encode(s)) });
    case 'tensor':
      return create(AttributeProtoSchema, { name: a.name, type: AttrType.TENSOR, t: tensorToProto(a.value) });
    case 'other':
      return a.proto;
  }
}

function valueToProto(v: OnnxIrValue): ValueInfoProto {
  const tensorType = create(TypeProto_TensorSchema, { elemType: v.elemType });
  if (v.shape !== undefined) {
    tensorType.shape = create(TensorShapeProtoSchema, {
      dim: v.shape.map((d) =>
        create(TensorShapeProto_DimensionSchema, {
          // A dim the source left unset was read as "?"; write it unset again.
          value: typeof d === 'number' ? { case: 'dimValue', value: BigInt(d) } : d === '?' ? { case: undefined } : { case: 'dimParam', value: d },
        }),
      ),
    });
  }
  return create(ValueInfoProtoSchema, { name: v.name, type: create(TypeProtoSchema, { value: { case: 'tensorType', value: tensorType } }) });
}

function nodeToProto(n: OnnxIrNode) {
  return create(NodeProtoSchema, {
    name: n.name,
    opType: n.opType,
    domain: n.domain,
    input: [...n.inputs],
    output: [...n.outputs],
    attribute: n.attributes.map(attributeToProto),
  });
}

function checkTensors(model: OnnxIrModel): void {
  for (const t of model.graph.initializers) {
    const count = t.dims.reduce((a, b) => a * b, 1);
    if (count !== t.data.length) {
      throw new PruneLensError(`internal: initializer "${t.name}" has dims [${t.dims.join(', ')}] (${count} values) but ${t.data.length} values`, model.file);
    }
  }
}

/** The ModelProto bytes of a model, with tensors placed by `place` (default: all inline). */
function encode(model: OnnxIrModel, place?: TensorPlacement): Uint8Array {
  checkTensors(model);
  const g = model.graph;
  const graph = create(GraphProtoSchema, {
    name: g.name,
    docString: g.docString,
    node: g.nodes.map(nodeToProto),
    initializer: g.initializers.map((t) => tensorToProto(t, place)),
    input: g.inputs.map(valueToProto),
    output: g.outputs.map(valueToProto),
  });
  const proto = create(ModelProtoSchema, {
    irVersion: BigInt(model.irVersion),
    opsetImport: model.opsetImports.map((o) => ({ domain: o.domain, version: BigInt(o.version) })),
    producerName: model.producerName,
    producerVersion: model.producerVersion,
    domain: model.domain,
    modelVersion: BigInt(model.modelVersion),
    docString: model.docString,
    metadataProps: model.metadata.map((m) => ({ key: m.key, value: m.value })),
    graph,
  });
  return toBinary(ModelProtoSchema, proto);
}

/** The model as ONNX bytes with every initializer inline (what ONNX Runtime can take from memory). */
export function encodeOnnxModel(model: OnnxIrModel): Uint8Array {
  return encode(model);
}

export interface WriteOnnxOptions {
  /**
   * Put initializers of at least `minBytes` (default 1024) into one data file beside the
   * model, named `location` (a plain file name). Needed for models over protobuf's 2 GB.
   */
  readonly externalData?: { readonly location: string; readonly minBytes?: number };
}

/** Writes the model to `file` atomically (and its external data file first, when asked). */
export async function writeOnnxFile(model: OnnxIrModel, file: string, opts: WriteOnnxOptions = {}): Promise<void> {
  const ext = opts.externalData;
  if (ext === undefined) {
    await writeFileAtomic(file, encode(model));
    return;
  }
  if (ext.location === '' || path.basename(ext.location) !== ext.location) {
    throw new PruneLensError(`the external data file must be a plain file name beside the model, got "${ext.location}"`, file);
  }
  const chunks: Uint8Array[] = [];
  let offset = 0;
  const minBytes = ext.minBytes ?? 1024;
  const bytes = encode(model, (_t, data) => {
    if (data.length < minBytes) return undefined;
    // Offsets aligned to 64 bytes, as ONNX's own writer does, so readers may map the file.
    const pad = (64 - (offset % 64)) % 64;
    if (pad > 0) chunks.push(new Uint8Array(pad));
    offset += pad;
    const at = offset;
    chunks.push(data);
    offset += data.length;
    return { location: ext.location, offset: at };
  });
  const data = new Uint8Array(offset);
  let at = 0;
  for (const c of chunks) {
    data.set(c, at);
    at += c.length;
  }
  await writeFileAtomic(path.join(path.dirname(file), ext.location), data);
  await writeFileAtomic(file, bytes);
}
