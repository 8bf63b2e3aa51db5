import type * as tf from '@tensorflow/tfjs';
import type { OnnxGraphView } from '../../graph/fromOnnx';
import type { WeightLink } from '../../layers/onnx/importTypes';
import type { ShapeMap } from '../shapeInference';
import type { OnnxIrModel } from '../types';

export interface ImportedModel {
  readonly model: tf.LayersModel;
  readonly links: readonly WeightLink[];
}

export function importOnnxModel(_model: OnnxIrModel, _shapes: ShapeMap, _view: OnnxGraphView): ImportedModel {
  throw new Error('todo');
}

export function writeBackWeights(model: OnnxIrModel, _trained: tf.LayersModel, _links: readonly WeightLink[]): OnnxIrModel {
  return model;
}
