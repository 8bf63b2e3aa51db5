/**
 * Gradient kernels the TF.js wasm backend lacks, so that convolutional networks can be
 * trained on it.
 *
 * The wasm backend (4.22) ships forward convolutions and `Conv2DBackpropInput`, but not
 * `Conv2DBackpropFilter`, `DepthwiseConv2dNativeBackpropInput` or
 * `DepthwiseConv2dNativeBackpropFilter`. `registerWasmGradients()` registers those three and
 * by default also replaces backend kernels that make a training step slow: its
 * `Conv2DBackpropInput` (a scalar loop), `Tile`, `Sum`, `Mean` and `FusedBatchNorm`, which
 * batch-norm training runs on full activation tensors, and `Identity`, which gradients call
 * hundreds of times a step and the backend answers with a copy.
 *
 * The kernels live in ./wasmKernels, one file each, and take NHWC data only (what tf.layers
 * uses). How they work, in short:
 * - Conv2D gradients are matrix products done by the backend's own `BatchMatMul` kernel
 *   (XNNPACK's SIMD GEMM), with im2col / col2im around them for k x k convs.
 * - The depthwise input gradient is a depthwise convolution by the backend's own kernel; the
 *   depthwise filter gradient a loop over the wasm heap.
 * - Tile is done with block copies; Sum and Mean over the leading axes (N, H, W) with a
 *   row-accumulating loop; FusedBatchNorm with the backend's broadcasting Sub, Multiply and
 *   Add. Everything else these receive goes to the backend's own kernel.
 * wasmKernels/common.ts says why no kernel holds a view of the wasm heap across an allocation.
 */
import * as tf from '@tensorflow/tfjs';
import { BATCH_NORM_TRAINING, BATCH_NORM_TRAINING_GRAD, batchNormTraining, batchNormTrainingGrad, batchNormTrainingGradConfig } from './wasmKernels/batchNormTraining';
import { batchMatMul } from './wasmKernels/batchMatMul';
import { conv2DBackpropFilter } from './wasmKernels/conv2dBackpropFilter';
import { conv2DBackpropInput } from './wasmKernels/conv2dBackpropInput';
import { depthwiseBackpropFilter } from './wasmKernels/depthwiseBackpropFilter';
import { depthwiseBackpropInput } from './wasmKernels/depthwiseBackpropInput';
import { batchNorm } from './wasmKernels/fusedBatchNorm';
import { identity } from './wasmKernels/identity';
import { MOMENTUM_UPDATE, momentumUpdate } from './wasmKernels/momentumUpdate';
import { conv2D, fusedConv2D } from './wasmKernels/pointwiseConv';
import { RELU_TRAINING, RELU_TRAINING_GRAD, reluTraining, reluTrainingGrad, reluTrainingGradConfig } from './wasmKernels/reluTraining';
import { meanLeading, sumLeading } from './wasmKernels/reductions';
// Importing the registry registers the wasm backend and its kernels first, so that the
// replacements below find (and keep) the backend's own.
import { replaceKernel } from './wasmKernels/registry';
import { tile } from './wasmKernels/tile';

let registered = false;

export interface WasmGradientOptions {
  /**
   * Also replace backend kernels that are correct but slow in training: Conv2DBackpropInput
   * (a scalar loop in the backend), Tile, Sum, Mean and FusedBatchNorm (batch-norm training
   * leans on these) and Identity (the backend copies; this shares the data, as the cpu
   * backend does). Default true; false registers only the three missing gradients.
   */
  readonly replaceSlowKernels?: boolean;
}

/**
 * Registers the gradient kernels the 'wasm' backend lacks (Conv2DBackpropFilter,
 * DepthwiseConv2dNativeBackpropInput, DepthwiseConv2dNativeBackpropFilter) and, unless told
 * otherwise, faster versions of some of its kernels. Safe to call more than once (the first
 * call decides), before or after the backend is set.
 */
export function registerWasmGradients(options: WasmGradientOptions = {}): void {
  if (registered) return;
  registered = true;

  replaceKernel('Conv2DBackpropFilter', conv2DBackpropFilter);
  replaceKernel('DepthwiseConv2dNativeBackpropInput', depthwiseBackpropInput);
  replaceKernel('DepthwiseConv2dNativeBackpropFilter', depthwiseBackpropFilter);
  // Training-mode batch norm and ReLU of our own (see fusedLayers.ts), for wasm only.
  replaceKernel(BATCH_NORM_TRAINING, batchNormTraining);
  replaceKernel(BATCH_NORM_TRAINING_GRAD, batchNormTrainingGrad);
  tf.registerGradient(batchNormTrainingGradConfig);
  replaceKernel(RELU_TRAINING, reluTraining);
  replaceKernel(RELU_TRAINING_GRAD, reluTrainingGrad);
  tf.registerGradient(reluTrainingGradConfig);
  // The momentum optimizer's update (momentumOptimizer.ts).
  replaceKernel(MOMENTUM_UPDATE, momentumUpdate);
  if (options.replaceSlowKernels ?? true) {
    replaceKernel('Conv2DBackpropInput', conv2DBackpropInput);
    replaceKernel('Conv2D', conv2D);
    replaceKernel('FusedConv2D', fusedConv2D);
    replaceKernel('BatchMatMul', batchMatMul);
    replaceKernel('Tile', tile);
    replaceKernel('Sum', sumLeading);
    replaceKernel('Mean', meanLeading);
    replaceKernel('FusedBatchNorm', batchNorm);
    replaceKernel('Identity', identity);
  }
}
