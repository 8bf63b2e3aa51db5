/**
 * Where the threshold slider's thumb sits for a value, and back. A loss budget that matters
 * is usually a fraction of a percent to a few percent, while losses run up to 100%, so the
 * loss slider is quadratic: half of its travel covers the lowest quarter of its range. The
 * FLOPs-target slider is linear.
 */

/** Slider positions run 0..SLIDER_STEPS. */
export const SLIDER_STEPS = 1000;

/** The top of the loss slider: the largest measured loss, at least 2% and at most 100%. */
export function lossSliderMax(maxLoss: number): number {
  return Math.min(1, Math.max(0.02, maxLoss));
}

export function lossFromSlider(position: number, max: number): number {
  const t = Math.min(1, Math.max(0, position / SLIDER_STEPS));
  return max * t * t;
}

export function sliderFromLoss(loss: number, max: number): number {
  if (!(max > 0)) return 0;
  return Math.round(SLIDER_STEPS * Math.sqrt(Math.min(1, Math.max(0, loss / max))));
}

/** The FLOPs target's range: some reduction, never all of the model. */
export const FLOPS_TARGET_MIN = 0.01;
export const FLOPS_TARGET_MAX = 0.95;

export function flopsTargetFromSlider(position: number): number {
  const t = Math.min(1, Math.max(0, position / SLIDER_STEPS));
  return Math.round((FLOPS_TARGET_MIN + t * (FLOPS_TARGET_MAX - FLOPS_TARGET_MIN)) * 1000) / 1000;
}

export function sliderFromFlopsTarget(target: number): number {
  const t = (target - FLOPS_TARGET_MIN) / (FLOPS_TARGET_MAX - FLOPS_TARGET_MIN);
  return Math.round(SLIDER_STEPS * Math.min(1, Math.max(0, t)));
}
