/**
 * The training loss for a model's output. PruneLens's zoo models end in logits, and so do
 * most exported networks; but a Keras classifier often ends in a softmax, and taking
 * softmax cross-entropy of its probabilities would train softmax-of-softmax (measured: 78.3%
 * instead of 87.9% top-1 on the same CNN). For a probability output the loss is the
 * cross-entropy of the probabilities themselves, whose gradient with respect to the logits
 * inside is the same as training on those logits.
 */
import * as tf from '@tensorflow/tfjs';
import { layerClass } from '../layers/registry';

/** Whether the model's output is a probability distribution (its last layer applies softmax). */
export function outputsProbabilities(model: tf.LayersModel): boolean {
  const last = model.outputs[0]?.sourceLayer;
  if (last === undefined) return false;
  return last.getConfig()['activation'] === 'softmax' || layerClass(last.getClassName())?.probabilities === true;
}

/** Probabilities this close to zero are clipped before the log, as Keras does. */
const EPSILON = 1e-7;

export type Loss = (oneHot: tf.Tensor, output: tf.Tensor) => tf.Scalar;

export function lossOf(model: tf.LayersModel): Loss {
  if (!outputsProbabilities(model)) return (y, logits) => tf.losses.softmaxCrossEntropy(y, logits) as tf.Scalar;
  return (y, p) => tf.neg(tf.mean(tf.sum(tf.mul(y, tf.log(tf.clipByValue(p, EPSILON, 1))), -1))) as tf.Scalar;
}
