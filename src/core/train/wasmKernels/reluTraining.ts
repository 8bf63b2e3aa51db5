/**
 * ReLU for training with a gradient of PruneLensReluGrad's own: dy where the output is
 * positive, one SIMD pass (simd/simdKernels.ts). tfjs-core's ReLU gradient is
 * dy * cast(step(x)): three kernels and two full-size temporaries per layer.
 *
 * With the attribute `rectified` the input is known to be a ReLU's output already (a fused
 * BatchNorm + ReLU, see ../fusedLayers.ts): the kernel shares its data and the gradient
 * passes dy on, both free. (A layer that returned its input tensor itself would be copied by
 * tf.layers, and the copy's gradient copied again.)
 */
import * as tf from '@tensorflow/tfjs';
import { heap, requireFloat32, runKernel } from './common';
import type { KernelArgs, TensorInfo } from './common';
import { simdKernels } from './simd/simdKernels';

/** The forward kernel: the backend's own Relu under a name whose gradient is the one below. */
export const RELU_TRAINING = 'PruneLensRelu';
/** The backward kernel: inputs dy and y (the forward output); output dx. */
export const RELU_TRAINING_GRAD = 'PruneLensReluGrad';

export function reluTraining(args: KernelArgs<{ x: TensorInfo }, { rectified?: boolean }>): TensorInfo {
  const { backend, inputs, attrs } = args;
  if (attrs.rectified !== true) return runKernel('Relu', backend, { x: inputs.x }, {});
  backend.incRef(inputs.x.dataId);
  return { dataId: inputs.x.dataId, shape: [...inputs.x.shape], dtype: inputs.x.dtype };
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

/**
 * The ReLU gradient from the saved output: y > 0 exactly where x > 0. For a rectified input
 * it is dy itself: where the input is 0, whoever rectified it masks the gradient.
 */
export const reluTrainingGradConfig: tf.GradConfig = {
  kernelName: RELU_TRAINING,
  outputsToSave: [true],
  gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[], attrs: tf.NamedAttrMap) => {
    const g = Array.isArray(dy) ? dy[0]! : dy;
    if (attrs['rectified'] === true) return { x: () => g.clone() };
    return { x: () => tf.engine().runKernel(RELU_TRAINING_GRAD, { dy: g, y: saved[0]! }, {}) as tf.Tensor };
  },
};
