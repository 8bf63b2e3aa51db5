/**
 * A group whose channels a mask cannot prune exactly (they reach a normalisation over the
 * channels, such as LayerNormalization): each point evaluates the physically pruned model,
 * exported whole. Slower than the cut-and-mask path, but exact, and the scan does not need
 * to know: it gets a group evaluation like any other.
 */
import type { ModelHandle } from '../models/modelHandle';
import type { PlannedPoint } from '../sensitivity/scanEngine';
import { measureOf, type FastGroupEvaluation, type PointOutcome } from './groupEvaluation';

/** Scores one ONNX model over the engine's dataset against its targets (stopping early in quick mode). */
export type ScoreOnnx = (onnx: Uint8Array, stage: string) => Promise<PointOutcome>;

export function openPrunedGroup(model: ModelHandle, groupId: string, score: ScoreOnnx): FastGroupEvaluation {
  const outcome = async (point: PlannedPoint): Promise<PointOutcome> => {
    const pruned = model.prune(point.plan);
    try {
      return await score(pruned.evaluationOnnx(), `${groupId} at ${point.ratio} (pruned model)`);
    } finally {
      pruned.dispose();
    }
  };
  return {
    mode: 'pruned',
    outcome,
    metric: async (point) => (await outcome(point)).metric,
    measure: async (point) => measureOf(await outcome(point)),
    close: () => Promise.resolve(),
  };
}
