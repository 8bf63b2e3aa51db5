/**
 * The kernels that make the TF.js wasm backend train convolutional networks, and train them
 * fast.
 *
 * The wasm backend (4.22) ships forward convolutions and `Conv2DBackpropInput`, but not
 * `Conv2DBackpropFilter`, `DepthwiseConv2dNativeBackpropInput` or
 * `DepthwiseConv2dNativeBackpropFilter`. `registerWasmGradients()` registers those three, the
 * fused training kernels of PruneLens (BatchNorm + ReLU, ReLU, the momentum update; used by
 * fusedLayers.ts and momentumOptimizer.ts), and by default replaces backend kernels that make
 * a training step slow: `Conv2D` and `FusedConv2D` (1x1 convolutions), `BatchMatMul`,
 * `Conv2DBackpropInput` (a scalar loop), `Tile`, `Sum`, `Mean` and `FusedBatchNorm`, and
 * `Identity`, which gradients call hundreds of times a step and the backend answers with a
 * copy.
 *
 * The kernels live in ./wasmKernels, one file each, and take NHWC data only (what tf.layers
 * uses). How they work, in short:
 * - Every matrix product (1x1 convolutions forward, conv gradients, Dense products) runs on
 *   ONNX Runtime's GEMM, called synchronously on views of the wasm heap (nativeGemm.ts), or
 *   on the backend's XNNPACK `BatchMatMul` where ONNX Runtime is unavailable
 *   (matrixProduct.ts); im2col / col2im around it for k x k convs.
 * - Per-channel passes (BatchNorm statistics and normalisation, its gradient, the ReLU
 *   gradient, the depthwise gradients tap by tap, the momentum update) run in WebAssembly
 *   SIMD written by simd/simdKernels.ts into a module that shares the backend's memory, with
 *   JavaScript loops for channel counts not divisible by 4.
 * - Tile is done with block copies; Sum and Mean over the leading axes (N, H, W) with a
 *   row-accumulating loop; FusedBatchNorm (inference) with the backend's broadcasting Sub,
 *   Multiply and Add. Everything else these receive goes to the backend's own kernel.
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
   * Also replace backend kernels that are correct but slow in training: Conv2D, FusedConv2D
   * (1x1) and BatchMatMul (products on ONNX Runtime), Conv2DBackpropInput (a scalar loop in
   * the backend), Tile, Sum, Mean and FusedBatchNorm and Identity (the backend copies; this
   * shares the data, as the cpu backend does). Default true; false registers only the
   * missing gradients and PruneLens's own training kernels.
   */
  readonly replaceSlowKernels?: boolean;
}

/**
 * Registers the gradient kernels the 'wasm' backend lacks (Conv2DBackpropFilter,
 * DepthwiseConv2dNativeBackpropInput, DepthwiseConv2dNativeBackpropFilter), PruneLens's own
 * training kernels and, unless told otherwise, faster versions of some of the backend's
 * kernels. Safe to call more than once (the first call decides), before or after the backend
 * is set.
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
