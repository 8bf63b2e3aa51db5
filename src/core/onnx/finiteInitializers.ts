/**
 * Refuses an ONNX model whose float initializers hold NaN or infinite values, as a TF.js
 * model's weights are refused (models/weightChecks.ts): such a model evaluates to NaN
 * logits, every point of a scan would read as a total loss, and fine-tuning it spreads the
 * NaN. The message names the initializers and how many values; --allow-nonfinite loads it
 * anyway.
 */
import { listed } from '../../shared/format';
import { PruneLensError } from '../util/errors';
import { OnnxElem, type OnnxIrModel, type OnnxIrTensor } from './types';

/** Exponent bits all ones: an infinity or a NaN, for the 16-bit float formats. */
const HALF_EXPONENT: Partial<Record<OnnxElem, number>> = { [OnnxElem.FLOAT16]: 0x7c00, [OnnxElem.BFLOAT16]: 0x7f80 };

/** How many of the tensor's values are NaN or infinite (0 for a tensor that is not float). */
function nonFiniteCount(t: OnnxIrTensor): number {
  const exponent = HALF_EXPONENT[t.dataType];
  let bad = 0;
  if (exponent !== undefined) {
    for (const bits of t.data as Uint16Array) if ((bits & exponent) === exponent) bad++;
  } else if (t.dataType === OnnxElem.FLOAT || t.dataType === OnnxElem.DOUBLE) {
    for (const v of t.data as Float32Array | Float64Array) if (!Number.isFinite(v)) bad++;
  }
  return bad;
}

export function checkFiniteInitializers(model: OnnxIrModel, file: string): void {
  const bad = model.graph.initializers.flatMap((t) => {
    const n = nonFiniteCount(t);
    return n > 0 ? [`'${t.name}' (${n} of ${t.data.length} values)`] : [];
  });
  if (bad.length === 0) return;
  throw new PruneLensError(`has initializers that are NaN or infinite: ${listed(bad, 5)}; refused (--allow-nonfinite loads it anyway)`, file);
}
