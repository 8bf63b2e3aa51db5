/**
 * BatchNormalization in inference mode is a per-channel affine map y = x * scale + shift
 * with scale = gamma / sqrt(var + eps) and shift = beta - mean * scale. The exporter either
 * folds that map into the convolution before it (see exportConv.ts) or, when it cannot,
 * emits it as Mul + Add (src/core/layers/batchNorm.ts).
 */
import type * as tf from '@tensorflow/tfjs';
import { layerWeights, requireWeight } from './exportTypes';

export interface ChannelAffine {
  /** Per-channel multiplier, computed in float64 so folding adds no error of its own. */
  readonly scale: Float64Array;
  readonly shift: Float64Array;
}

/** The inference-mode affine map of a BatchNormalization layer. */
export function batchNormAffine(layer: tf.layers.Layer): ChannelAffine {
  const call = { layer, className: layer.getClassName() };
  const config = layer.getConfig();
  const eps = typeof config['epsilon'] === 'number' ? config['epsilon'] : 1e-3;
  const weights = layerWeights(layer);
  const mean = requireWeight(call, weights, 'moving_mean').data;
  const variance = requireWeight(call, weights, 'moving_variance').data;
  const gamma = weights.get('gamma')?.data;
  const beta = weights.get('beta')?.data;
  const n = mean.length;
  const scale = new Float64Array(n);
  const shift = new Float64Array(n);
  for (let c = 0; c < n; c++) {
    const s = (gamma ? (gamma[c] as number) : 1) / Math.sqrt((variance[c] as number) + eps);
    scale[c] = s;
    shift[c] = (beta ? (beta[c] as number) : 0) - (mean[c] as number) * s;
  }
  return { scale, shift };
}

/**
 * True when a BN layer normalises the channel (last) axis of a tensor of the given rank;
 * only then is it a per-channel map that can be folded or broadcast over NCHW.
 */
export function normalisesChannels(layer: tf.layers.Layer, rank: number): boolean {
  const axis = layer.getConfig()['axis'] ?? -1;
  return typeof axis === 'number' && (axis === -1 || axis === rank - 1);
}
