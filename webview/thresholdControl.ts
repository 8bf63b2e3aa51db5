/**
 * The threshold control: a loss budget or a FLOPs target, each set with a slider and a
 * number field (in percent), the totals they lead to (MACs and weights before -> after,
 * groups pruned), and the buttons that act on the ratios on screen. Every move goes to the
 * controller, which recomputes at once; the totals are redrawn from its snapshot.
 */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-radio/index.js';
import '@vscode-elements/elements/dist/vscode-radio-group/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import type { VscodeTextfield } from '@vscode-elements/elements/dist/vscode-textfield/vscode-textfield.js';
import type { VscodeRadio } from '@vscode-elements/elements/dist/vscode-radio/vscode-radio.js';
import { h } from './dom';
import { formatCount, formatPercent } from './format';
import type { Reduction } from './recompute';
import {
  FLOPS_TARGET_MAX,
  FLOPS_TARGET_MIN,
  SLIDER_STEPS,
  flopsTargetFromSlider,
  lossFromSlider,
  lossSliderMax,
  parsePercentField,
  sliderFromFlopsTarget,
  sliderFromLoss,
} from './sliderScale';
import type { ReportController, ReportSnapshot } from './state';

function reductionText(what: string, r: Reduction | undefined, missing: string): string {
  if (r === undefined) return `${what}: ${missing}`;
  return `${what} ${formatCount(r.before)} → ${formatCount(r.after)} (−${formatPercent(r.reduction, 1)})`;
}

export class ThresholdControl {
  private readonly lossRadio: VscodeRadio;
  private readonly flopsRadio: VscodeRadio;
  private readonly slider: HTMLInputElement;
  private readonly field: VscodeTextfield;
  private readonly fieldLabel: HTMLElement;
  private readonly summary: HTMLElement;
  private readonly buttons: HTMLElement[];
  private sliderMax = 0.02;

  constructor(
    container: HTMLElement,
    private readonly controller: ReportController,
  ) {
    this.lossRadio = h('vscode-radio', { name: 'mode', value: 'loss', label: 'Loss budget' }, 'Loss budget') as VscodeRadio;
    this.flopsRadio = h('vscode-radio', { name: 'mode', value: 'flops', label: 'FLOPs target' }, 'FLOPs target') as VscodeRadio;
    const modes = h('vscode-radio-group', { 'aria-label': 'Choose ratios by' }, this.lossRadio, this.flopsRadio);
    modes.addEventListener('change', () => controller.setMode(this.flopsRadio.checked ? 'flops' : 'loss'));

    this.slider = h('input', { type: 'range', min: 0, max: SLIDER_STEPS, step: 1, class: 'threshold-slider', 'aria-label': 'Threshold' });
    this.slider.addEventListener('input', () => this.slid());
    this.fieldLabel = h('span', { class: 'field-label' });
    this.field = h('vscode-textfield', { type: 'number', step: 'any', min: '0', class: 'threshold-field', 'aria-label': 'Threshold in percent' }, h('span', { slot: 'content-after' }, '%')) as VscodeTextfield;
    this.field.addEventListener('input', () => this.typed());

    this.summary = h('div', { class: 'summary', 'aria-live': 'polite' });
    const button = (label: string, run: () => void, secondary = true): HTMLElement => {
      const b = h('vscode-button', secondary ? { secondary: true } : {}, label);
      b.addEventListener('click', run);
      return b;
    };
    this.buttons = [
      button('Prune and Save...', () => controller.prune(), false),
      button('Export Ratios JSON', () => controller.exportRatios()),
      button('Export CSV', () => controller.exportCsv()),
      button('Export SVG', () => controller.exportSvg()),
    ];
    container.append(
      h('div', { class: 'control-row' }, modes, this.fieldLabel, this.slider, this.field),
      this.summary,
      h('div', { class: 'buttons' }, ...this.buttons),
    );
  }

  private slid(): void {
    const position = Number(this.slider.value);
    if (this.flopsRadio.checked) this.controller.setFlopsTarget(flopsTargetFromSlider(position));
    else this.controller.setLoss(lossFromSlider(position, this.sliderMax));
  }

  private typed(): void {
    const flops = this.flopsRadio.checked;
    const value = flops ? parsePercentField(this.field.value, FLOPS_TARGET_MIN, FLOPS_TARGET_MAX) : parsePercentField(this.field.value, 0, 1);
    this.field.invalid = value === undefined;
    if (value === undefined) return;
    if (flops) this.controller.setFlopsTarget(value);
    else this.controller.setLoss(value);
  }

  /** Reflect the snapshot: mode, slider and field positions (unless being typed in), totals. */
  render(snap: ReportSnapshot): void {
    const data = snap.data;
    const flops = snap.control.mode === 'flops';
    this.lossRadio.checked = !flops;
    this.flopsRadio.checked = flops;
    this.flopsRadio.disabled = data !== undefined && !data.hasFlops;
    this.flopsRadio.title = this.flopsRadio.disabled ? 'This results file has no FLOPs model (written by an older PruneLens); re-run the scan to add one.' : '';
    this.sliderMax = lossSliderMax(data?.maxLoss ?? 0);
    const shown = flops ? snap.control.flopsTarget : (snap.computed?.file.loss ?? snap.control.loss);
    this.fieldLabel.textContent = flops ? 'Remove' : 'Lose at most';
    this.slider.value = String(flops ? sliderFromFlopsTarget(shown) : sliderFromLoss(shown, this.sliderMax));
    this.slider.setAttribute('aria-valuetext', formatPercent(shown));
    // Never rewrite the number while it is being typed.
    if (document.activeElement !== this.field) {
      this.field.value = (100 * shown).toFixed(2);
      this.field.invalid = false;
    }
    this.renderSummary(snap);
    const ready = snap.computed !== undefined;
    for (const b of this.buttons) b.toggleAttribute('disabled', !ready);
  }

  private renderSummary(snap: ReportSnapshot): void {
    const c = snap.computed;
    if (c === undefined || snap.data === undefined) {
      this.summary.replaceChildren(snap.status?.ok === false ? snap.status.text : 'No points yet.');
      return;
    }
    const items = [
      snap.control.mode === 'flops' ? `loss budget found: ${formatPercent(c.file.loss, 3)}` : `loss budget ${formatPercent(c.file.loss)}`,
      reductionText('MACs', c.macs, 'unknown (no FLOPs model in this file)'),
      reductionText('params', c.params, 'unknown (re-run the scan to count them)'),
      `${c.prunedGroups} of ${snap.data.rows.filter((r) => r.prunable).length} groups pruned`,
    ];
    const spans = items.map((t) => h('span', { class: 'figure' }, t));
    if (c.file.target !== undefined && !c.file.target.reached) {
      spans.push(h('span', { class: 'figure warning' }, `the measured ratios cannot remove ${formatPercent(c.file.target.flopsReduction, 1)} of the FLOPs; measure higher ratios`));
    }
    this.summary.replaceChildren(...spans);
    this.summary.title = snap.recomputeMs === undefined ? '' : `recomputed in ${snap.recomputeMs.toFixed(1)} ms`;
  }
}
