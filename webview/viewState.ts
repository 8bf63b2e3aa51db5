/** The report's view state, kept with the webview API's setState/getState. No DOM. */
import type { ThresholdMode } from './recompute';
import { FLOPS_TARGET_MAX, FLOPS_TARGET_MIN } from './sliderScale';

/** What survives a reload of the webview (setState/getState), and tells the panel serializer which file it showed. */
export interface ViewState {
  readonly uri?: string;
  readonly name?: string;
  readonly mode: ThresholdMode;
  /** The loss budget; undefined until the user moves it (the setting's value is used). */
  readonly loss?: number;
  readonly flopsTarget: number;
  /** The selected group. */
  readonly selected?: string;
}

export const DEFAULT_FLOPS_TARGET = 0.5;

/** The saved state if it is one of ours, otherwise a fresh one: a state from an older version must not break the page. */
export function restoreState(saved: unknown): ViewState {
  const s = (typeof saved === 'object' && saved !== null ? saved : {}) as Record<string, unknown>;
  const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
  const inRange = (v: unknown, lo: number, hi: number): number | undefined => (typeof v === 'number' && v >= lo && v <= hi ? v : undefined);
  const uri = text(s['uri']);
  const name = text(s['name']);
  const loss = inRange(s['loss'], 0, 1);
  const selected = text(s['selected']);
  return {
    ...(uri !== undefined ? { uri } : {}),
    ...(name !== undefined ? { name } : {}),
    mode: s['mode'] === 'flops' ? 'flops' : 'loss',
    ...(loss !== undefined ? { loss } : {}),
    flopsTarget: inRange(s['flopsTarget'], FLOPS_TARGET_MIN, FLOPS_TARGET_MAX) ?? DEFAULT_FLOPS_TARGET,
    ...(selected !== undefined ? { selected } : {}),
  };
}
