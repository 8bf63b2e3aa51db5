/**
 * The Analyze Sensitivity step that asks how each point is measured: exactly (every image,
 * the default), or in quick mode (docs/sensitivity-engines.md), decided at the loss budget
 * the ratios will be taken at, or to a precision. Pure, so that it is unit-tested in Node.
 */
import { formatPercent } from '../shared/format';
import type { QuickSpec } from '../shared/jobs';
import { DEFAULT_QUICK_PRECISION } from '../shared/vocabulary';

export interface MeasureChoice {
  readonly label: string;
  readonly description: string;
  readonly detail: string;
  /** Absent: exact. */
  readonly quick?: QuickSpec;
}

/** The choices, exact first; `lossThreshold` is the budget the explorer and report start at. */
export function measureChoices(lossThreshold: number): MeasureChoice[] {
  const budget = formatPercent(lossThreshold);
  const points = (DEFAULT_QUICK_PRECISION * 100).toFixed(1);
  return [
    { label: 'Exact', description: 'every image, every point', detail: 'The loss of each point on the whole dataset.' },
    {
      label: `Quick, at a loss budget of ${budget}`,
      description: 'estimates with 95% intervals',
      detail: `Each point reads images in a seeded random order and stops once its interval lies wholly above or below ${budget} (the prunelens.lossThreshold setting); an exact scan later replaces the estimates.`,
      quick: { loss: lossThreshold },
    },
    {
      label: `Quick, to ±${points} points`,
      description: 'estimates with 95% intervals',
      detail: `Each point stops once its loss is known to within ±${points} points of accuracy; pays on large validation sets (tens of thousands of images).`,
      quick: { precision: DEFAULT_QUICK_PRECISION },
    },
  ];
}
