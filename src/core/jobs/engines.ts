/**
 * Which engine a job measures with. The ONNX Runtime engines (fast, ort) need the model as
 * ONNX (a TF.js model's export; an ONNX model is one); TF.js runs any model TF.js loads.
 */
import type { ModelHandle } from '../models/modelHandle';

/**
 * The engine a scan uses: the one asked for, unless it needs the ONNX export and the model
 * has a layer the export cannot convert; then TF.js, which runs any model TF.js loads, with
 * one line saying which layer and why.
 */
export function engineFor<E extends 'fast' | 'ort' | 'tfjs'>(model: ModelHandle, asked: E, log: (line: string) => void): E | 'tfjs' {
  if (asked === 'tfjs') return asked;
  const problem = model.onnxProblem();
  if (problem === undefined) return asked;
  log(`${problem}; measuring with the TF.js engine instead (exact, but slower)`);
  return 'tfjs';
}

