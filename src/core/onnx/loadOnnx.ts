/**
 * The whole way from an ONNX file to a graph ready for analysis: read (readOnnx.ts), clean
 * (cleanGraph.ts), check that only supported ops are left (supportedOps.ts), and infer
 * every value's static shape (shapeInference.ts). Each step is also exported on its own
 * for callers that need less (hover reads only the interface) or more (the writer takes
 * the cleaned or the original model).
 */
import { cleanOnnxModel, type OnnxCleanReport } from './cleanGraph';
import { readOnnxFile, type ReadOnnxOptions } from './readOnnx';
import { inferShapes, type ShapeMap } from './shapeInference';
import { checkSupportedOps } from './supportedOps';
import { defaultOpset, type OnnxIrModel } from './types';

export interface LoadedOnnxModel {
  /** The model as read, before the clean-up. */
  readonly original: OnnxIrModel;
  /** The cleaned model every analysis works on; it runs on ONNX Runtime like the original. */
  readonly model: OnnxIrModel;
  readonly clean: OnnxCleanReport;
  /** Static type and shape of every value of the cleaned graph. */
  readonly shapes: ShapeMap;
}

/** Cleans, checks and shape-infers a model already read. */
export function prepareOnnxModel(original: OnnxIrModel): LoadedOnnxModel {
  const { model, report } = cleanOnnxModel(original);
  checkSupportedOps(model);
  const shapes = inferShapes(model.graph, { opset: defaultOpset(model) ?? 0, file: model.file });
  return { original, model, clean: report, shapes };
}

/** Reads an ONNX file and prepares it for analysis. */
export async function loadOnnxModel(file: string, opts: ReadOnnxOptions = {}): Promise<LoadedOnnxModel> {
  return prepareOnnxModel(await readOnnxFile(file, opts));
}
