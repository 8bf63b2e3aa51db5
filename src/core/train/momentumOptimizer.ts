/**
 * SGD with momentum (not Nesterov) that updates each variable with one kernel on the wasm
 * backend (wasmKernels/momentumUpdate.ts) and with tf.train.momentum's own arithmetic on
 * any other: a <- momentum a + g, w <- w - rate a, in float32, so the two give the same
 * numbers.
 */
import * as tf from '@tensorflow/tfjs';
import { MOMENTUM_UPDATE } from './wasmKernels/momentumUpdate';

export class MomentumOptimizer extends tf.Optimizer {
  static className = 'PruneLensMomentum';
  private readonly accumulations = new Map<string, tf.Variable>();

  constructor(
    private learningRate: number,
    private readonly momentum: number,
  ) {
    super();
  }

  setLearningRate(rate: number): void {
    this.learningRate = rate;
  }

  applyGradients(variableGradients: tf.NamedTensorMap | { name: string; tensor: tf.Tensor }[]): void {
    const entries = Array.isArray(variableGradients) ? variableGradients.map((v) => [v.name, v.tensor] as const) : Object.entries(variableGradients);
    const fused = tf.getKernel(MOMENTUM_UPDATE, tf.getBackend()) !== undefined;
    for (const [name, gradient] of entries) {
      const value = tf.engine().registeredVariables[name];
      if (value === undefined || gradient === undefined || gradient === null) continue;
      let accumulation = this.accumulations.get(name);
      if (accumulation === undefined) {
        accumulation = tf.tidy(() => tf.zerosLike(value).variable(false));
        this.accumulations.set(name, accumulation);
      }
      const acc = accumulation;
      tf.tidy(() => {
        let newAccumulation: tf.Tensor;
        let newValue: tf.Tensor;
        if (fused && value.dtype === 'float32') {
          [newAccumulation, newValue] = tf.engine().runKernel(MOMENTUM_UPDATE, { value, accumulation: acc, gradient }, { momentum: this.momentum, learningRate: this.learningRate }) as [tf.Tensor, tf.Tensor];
        } else {
          newAccumulation = tf.add(tf.mul(tf.scalar(this.momentum), acc), gradient);
          newValue = tf.add(tf.mul(tf.scalar(-this.learningRate), newAccumulation), value);
        }
        acc.assign(newAccumulation);
        value.assign(newValue);
      });
    }
    this.incrementIterations();
  }

  override dispose(): void {
    super.dispose();
    tf.dispose([...this.accumulations.values()]);
    this.accumulations.clear();
  }

  getConfig(): tf.serialization.ConfigDict {
    return { learningRate: this.learningRate, momentum: this.momentum };
  }
}
