/**
 * What the threshold's number field accepts: a percentage ("1.5", "1.5%", "7,46") within
 * the mode's range, or a sentence saying what is wrong with the text. The field applies a
 * value only when the user presses Enter or leaves it (webview/state.ts), so typing "150"
 * never applies 1% and then 15% on the way.
 *
 * No DOM here: this is unit-tested in Node.
 */
import { formatPercent } from '../src/shared/format';
import type { ThresholdMode } from './recompute';
import { FLOPS_TARGET_MAX, FLOPS_TARGET_MIN } from './sliderScale';

export type FieldCheck = { readonly value: number; readonly problem?: undefined } | { readonly value?: undefined; readonly problem: string };

/** The range a mode's value may take, as fractions. */
export function fieldRange(mode: ThresholdMode): readonly [number, number] {
  return mode === 'flops' ? [FLOPS_TARGET_MIN, FLOPS_TARGET_MAX] : [0, 1];
}

function modeName(mode: ThresholdMode): string {
  return mode === 'flops' ? 'A FLOPs target' : 'A loss budget';
}

/** The typed text as a fraction of the mode's range, or what is wrong with it. */
export function checkThresholdField(text: string, mode: ThresholdMode): FieldCheck {
  const typed = text.trim();
  const body = typed.replace(/%$/, '').trim().replace(',', '.');
  if (body === '') return { problem: `${modeName(mode)} is a percentage; the field is empty.` };
  if (!/^[+-]?(\d+\.?\d*|\.\d+)$/.test(body)) return { problem: `"${typed}" is not a number; type a percentage such as 1.5.` };
  const value = Number(body) / 100;
  const [min, max] = fieldRange(mode);
  if (value < min || value > max) return { problem: `${modeName(mode)} lies from ${formatPercent(min, 0)} to ${formatPercent(max, 0)}; ${body}% is outside.` };
  return { value };
}
