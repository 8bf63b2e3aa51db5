/**
 * Which engine a job measures with. The ONNX Runtime engines (fast, ort) need the model's
 * ONNX export; TF.js runs any model TF.js loads.
 */
import type * as tf from '@tensorflow/tfjs';
import { onnxExportProblem } from '../eval/onnxExport';

/**
 * The engine a scan uses: the one asked for, unless it needs the ONNX export and the model
 * has a layer the export cannot convert; then TF.js, which runs any model TF.js loads, with
 * one line saying which layer and why.
 */
export function engineFor<E extends 'fast' | 'ort' | 'tfjs'>(model: tf.LayersModel, asked: E, log: (line: string) => void): E | 'tfjs' {
  if (asked === 'tfjs') return asked;
  const problem = onnxExportProblem(model);
  if (problem === undefined) return asked;
  log(`${problem}; measuring with the TF.js engine instead (exact, but slower)`);
  return 'tfjs';
}

