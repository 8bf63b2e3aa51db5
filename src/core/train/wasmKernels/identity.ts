/**
 * Identity, replacing the backend's copy: gradients call it hundreds of times a training
 * step.
 */
import type { KernelArgs, TensorInfo } from './common';
import { delegate } from './registry';

/**
 * The same data under a new reference instead of a copy (tensors are immutable; the
 * backend's Reshape shares data the same way).
 */
export function identity(args: KernelArgs<{ x: TensorInfo }, Record<string, never>>): TensorInfo {
  const { inputs, backend } = args;
  const { x } = inputs;
  if (x.dtype === 'string') return delegate('Identity', args);
  backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
}
