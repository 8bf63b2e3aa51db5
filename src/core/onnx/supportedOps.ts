/**
 * The ONNX operators PruneLens analyses, and the check that a cleaned graph uses no other.
 * The list is the operator set of exported CNN classifiers (PyTorch, tf2onnx, paddle2onnx):
 * convolutions, normalisation, activations and gates, elementwise arithmetic with
 * broadcasting, channel concatenation, pooling, padding and resizing, and the layout and
 * matrix ops of classifier heads. Shape-computing ops (Shape, Gather, ...) are not here: the
 * clean-up folds them, and one it cannot fold is reported like any other unsupported op.
 */
import { listed } from '../../shared/format';
import { PruneLensError } from '../util/errors';
import { nodeLabel } from './nodeAttributes';
import type { OnnxIrModel } from './types';

export const SUPPORTED_OPS: ReadonlySet<string> = new Set([
  'Conv',
  'ConvTranspose',
  'BatchNormalization',
  'Relu',
  'Clip',
  'LeakyRelu',
  'Sigmoid',
  'HardSigmoid',
  'HardSwish',
  'Add',
  'Sub',
  'Mul',
  'Div',
  'Concat',
  'MaxPool',
  'AveragePool',
  'GlobalAveragePool',
  'Pad',
  'Resize',
  'Flatten',
  'Reshape',
  'Gemm',
  'MatMul',
  'Transpose',
  'Squeeze',
  'Unsqueeze',
  'Softmax',
  'ReduceMean',
]);

/** How many unsupported nodes an error lists before it says "and N more". */
const LISTED = 5;

/**
 * Throws, naming each unsupported op and the nodes that use it, when the graph has a node
 * outside SUPPORTED_OPS or outside the standard domain.
 */
export function checkSupportedOps(model: OnnxIrModel): void {
  const bad = model.graph.nodes.filter((n) => !((n.domain === '' || n.domain === 'ai.onnx') && SUPPORTED_OPS.has(n.opType)));
  if (bad.length === 0) return;
  const ops = [...new Set(bad.map((n) => (n.domain === '' || n.domain === 'ai.onnx' ? n.opType : `${n.domain}.${n.opType}`)))];
  throw new PruneLensError(
    `unsupported ONNX operator${ops.length > 1 ? 's' : ''} ${ops.join(', ')}: ${listed(bad.map(nodeLabel), LISTED, ', ')}. ` + `PruneLens analyses ${[...SUPPORTED_OPS].join(', ')}`,
    model.file,
  );
}
