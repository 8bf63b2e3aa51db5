/**
 * Reading an ONNX file into the typed model (types.ts). The bytes are decoded by
 * @bufbuild/protobuf against the official ONNX schema (schema/onnx.proto3, compiled to
 * schema/onnx_pb.ts), then checked: that it is an ONNX model at all, that its standard
 * opset is one PruneLens reads (11 and later), and that external initializer files exist
 * inside the model's folder and are large enough. No operator is judged here: the clean-up
 * removes some that analysis does not support, so checkSupportedOps comes after it.
 */
import { fromBinary } from '@bufbuild/protobuf';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { errorText, PruneLensError } from '../util/errors';
import { externalDataRef, readExternalData } from './externalData';
import { isExternal, nodeFromProto, safeNumber, tensorDims, tensorFromProto, valueFromProto } from './protoToIr';
import { ModelProtoSchema, type ModelProto } from './schema/onnx_pb';
import { byteLengthOf, isSupportedElem } from './tensorData';
import { defaultOpset, type OnnxIrModel } from './types';

/** The oldest standard opset PruneLens reads; older exports differ in Pad, Resize, Slice... */
export const MIN_OPSET = 11;
/** The newest standard opset the vendored schema's release (ONNX 1.21/1.22) defines. */
export const MAX_OPSET = 26;

export interface ReadOnnxOptions {
  /** Folder that external data paths are relative to (and must stay inside); default: the model file's folder. */
  readonly baseDir?: string;
}

function decodeModel(bytes: Uint8Array, file: string | undefined): ModelProto {
  let proto: ModelProto;
  try {
    proto = fromBinary(ModelProtoSchema, bytes);
  } catch (e) {
    throw new PruneLensError(`not an ONNX model: the file is not a valid protobuf ModelProto (${errorText(e)}); it may be truncated`, file);
  }
  if (proto.irVersion <= 0n || proto.graph === undefined || proto.opsetImport.length === 0) {
    const missing = [proto.irVersion <= 0n ? 'ir_version' : '', proto.graph === undefined ? 'graph' : '', proto.opsetImport.length === 0 ? 'opset_import' : ''].filter(Boolean);
    throw new PruneLensError(`not an ONNX model: it has no ${missing.join(', no ')}`, file);
  }
  return proto;
}

function checkOpset(version: number | undefined, file: string | undefined): void {
  if (version === undefined) throw new PruneLensError('the model imports no standard ONNX opset ("" or "ai.onnx")', file);
  if (version < MIN_OPSET || version > MAX_OPSET) {
    throw new PruneLensError(
      `opset ${version} is not supported: PruneLens reads standard opsets ${MIN_OPSET} to ${MAX_OPSET}` +
        (version < MIN_OPSET ? ' (convert the model first, e.g. with onnx.version_converter, or export it again with a newer opset)' : ''),
      file,
    );
  }
}

/**
 * The typed model from a ModelProto. `external` maps the names of externally stored
 * initializers to their bytes.
 */
function modelFromProto(proto: ModelProto, file: string | undefined, external: ReadonlyMap<string, Uint8Array>): OnnxIrModel {
  const g = proto.graph as NonNullable<ModelProto['graph']>;
  if (g.sparseInitializer.length > 0) throw new PruneLensError('sparse initializers are not supported', file);
  const initializers = g.initializer.map((t) => tensorFromProto(t, file, external.get(t.name)));
  const constants = new Set(initializers.map((t) => t.name));
  return {
    file,
    irVersion: safeNumber(proto.irVersion, 'ir_version', file),
    opsetImports: proto.opsetImport.map((o) => ({ domain: o.domain, version: safeNumber(o.version, `opset of "${o.domain}"`, file) })),
    producerName: proto.producerName,
    producerVersion: proto.producerVersion,
    domain: proto.domain,
    modelVersion: safeNumber(proto.modelVersion, 'model_version', file),
    docString: proto.docString,
    metadata: proto.metadataProps.map((m) => ({ key: m.key, value: m.value })),
    graph: {
      name: g.name,
      docString: g.docString,
      nodes: g.node.map((n) => nodeFromProto(n, file)),
      initializers,
      // Files from IR 3 and older list every initializer among the inputs too; those are
      // constants, not something a caller feeds.
      inputs: g.input.filter((v) => !constants.has(v.name)).map((v) => valueFromProto(v, file)),
      outputs: g.output.map((v) => valueFromProto(v, file)),
    },
  };
}

/**
 * Parses ONNX bytes. `file` names the source in errors; external data is resolved against
 * `opts.baseDir`, or the folder of `file`. A model with external data and neither fails.
 */
export async function parseOnnx(bytes: Uint8Array, file: string | undefined, opts: ReadOnnxOptions = {}): Promise<OnnxIrModel> {
  const proto = decodeModel(bytes, file);
  const opsetImports = proto.opsetImport.map((o) => ({ domain: o.domain, version: Number(o.version) }));
  checkOpset(defaultOpset({ opsetImports }), file);
  const externals = (proto.graph as NonNullable<ModelProto['graph']>).initializer.filter(isExternal);
  const external = new Map<string, Uint8Array>();
  if (externals.length > 0) {
    const baseDir = opts.baseDir ?? (file === undefined ? undefined : path.dirname(path.resolve(file)));
    if (baseDir === undefined) throw new PruneLensError('the model keeps initializers in external files, but no folder was given to find them in', file);
    const expected = externals.map((t) => {
      if (!isSupportedElem(t.dataType)) return 0; // tensorFromProto names the type below.
      return byteLengthOf(t.dataType, tensorDims(t, file));
    });
    const refs = externals.map((t) => externalDataRef(t.name, t.externalData, file ?? '<memory>'));
    const read = await readExternalData(baseDir, refs, expected, file ?? '<memory>');
    externals.forEach((t, i) => external.set(t.name, read[i] as Uint8Array));
  }
  return modelFromProto(proto, file, external);
}

/** Reads an ONNX model file (and any external data files beside it). */
export async function readOnnxFile(file: string, opts: ReadOnnxOptions = {}): Promise<OnnxIrModel> {
  let bytes: Uint8Array;
  try {
    bytes = await fsp.readFile(file);
  } catch (e) {
    throw new PruneLensError(`cannot read the model (${errorText(e)})`, file);
  }
  if (bytes.length === 0) throw new PruneLensError('not an ONNX model: the file is empty', file);
  return parseOnnx(bytes, file, opts);
}
