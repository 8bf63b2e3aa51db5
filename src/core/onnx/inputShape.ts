/**
 * Fixing an ONNX model's image size before it is analysed (`--input-shape H,W,C`), for
 * models exported with open height and width (`dynamic_axes` on them): MAC counts, the
 * data checks and evaluation need one, as for TF.js models (src/core/models/inputShape.ts).
 */
import { isNhwcInput } from '../graph/fromOnnx';
import { PruneLensError } from '../util/errors';
import type { OnnxDim, OnnxIrModel } from './types';

/**
 * `model` with its one image input's height, width and channels set; the batch stays as it
 * is. A size the model fixes already must agree.
 */
export function withInputShape(model: OnnxIrModel, shape: readonly [number, number, number]): OnnxIrModel {
  const [input, ...others] = model.graph.inputs;
  if (input === undefined || others.length > 0) throw new PruneLensError(`--input-shape needs a model with one input; this one has ${model.graph.inputs.length}`, model.file);
  const current = input.shape ?? [];
  if (current.length !== 4) throw new PruneLensError(`--input-shape H,W,C is for image models; input "${input.name}" has shape [${current.join(', ')}]`, model.file);
  const [h, w, c] = shape;
  const wanted: OnnxDim[] = isNhwcInput(model, input.name) ? [h, w, c] : [c, h, w];
  current.slice(1).forEach((d, i) => {
    if (typeof d === 'number' && d !== wanted[i]) throw new PruneLensError(`the model's input "${input.name}" is [${current.join(', ')}]; --input-shape ${shape.join(',')} does not fit it`, model.file);
  });
  const inputs = [{ ...input, shape: [current[0] ?? 'batch', ...wanted] }];
  return { ...model, graph: { ...model.graph, inputs } };
}
