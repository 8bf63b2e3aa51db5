/**
 * ReLU for training with a gradient of PruneLensReluGrad's own: dy where the output is
 * positive, one SIMD pass (simd/simdKernels.ts). tfjs-core's ReLU gradient is
 * dy * cast(step(x)): three kernels and two full-size temporaries per layer.
 */
import * as tf from '@tensorflow/tfjs';
import { heap, requireFloat32, runKernel } from './common';
import type { KernelArgs, TensorInfo } from './common';
import { simdKernels } from './simd/simdKernels';

/** The forward kernel: the backend's own Relu under a name whose gradient is the one below. */
export const RELU_TRAINING = 'PruneLensRelu';
/** The backward kernel: inputs dy and y (the forward output); output dx. */
export const RELU_TRAINING_GRAD = 'PruneLensReluGrad';

export function reluTraining(args: KernelArgs<{ x: TensorInfo }, Record<string, never>>): TensorInfo {
  return runKernel('Relu', args.backend, { x: args.inputs.x }, {});
}

export function reluTrainingGrad(args: KernelArgs<{ dy: TensorInfo; y: TensorInfo }, Record<string, never>>): TensorInfo {
  const { inputs, backend } = args;
  const { dy, y } = inputs;
  requireFloat32(dy, RELU_TRAINING_GRAD, 'dy');
  requireFloat32(y, RELU_TRAINING_GRAD, 'y');
  const n = tf.util.sizeFromShape(y.shape);
  if (tf.util.sizeFromShape(dy.shape) !== n) throw new Error(`${RELU_TRAINING_GRAD} (wasm): dy shape [${dy.shape.join(', ')}] differs from y shape [${y.shape.join(', ')}]`);
  const dx = backend.makeOutput([...y.shape], 'float32');
  const simd = n % 4 === 0 ? simdKernels(backend) : undefined;
  const [dxv, dyv, yv] = [heap(backend, dx), heap(backend, dy), heap(backend, y)];
  if (simd !== undefined) simd.reluGrad(dxv.byteOffset, dyv.byteOffset, yv.byteOffset, n * 4);
  else for (let i = 0; i < n; i++) dxv[i] = yv[i]! > 0 ? dyv[i]! : 0;
  return dx;
}

/** The ReLU gradient from the saved output: y > 0 exactly where x > 0. */
export const reluTrainingGradConfig: tf.GradConfig = {
  kernelName: RELU_TRAINING,
  outputsToSave: [true],
  gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
    const g = Array.isArray(dy) ? dy[0]! : dy;
    return { x: () => tf.engine().runKernel(RELU_TRAINING_GRAD, { dy: g, y: saved[0]! }, {}) as tf.Tensor };
  },
};
