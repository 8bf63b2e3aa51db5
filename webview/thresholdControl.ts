/**
 * The threshold control: a loss budget or a FLOPs target, each set with a slider and a
 * number field (in percent), the totals they lead to (MACs and weights before -> after,
 * groups pruned), and the buttons that act on the ratios on screen. A slider move goes to
 * the controller, which recomputes at once; typed text is checked as it is typed and
 * applied on Enter or when the field loses focus, with a message under the field while the
 * text cannot be used. Everything shown is redrawn from the controller's snapshot.
 */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-radio/index.js';
import '@vscode-elements/elements/dist/vscode-radio-group/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import type { VscodeTextfield } from '@vscode-elements/elements/dist/vscode-textfield/vscode-textfield.js';
import type { VscodeRadio } from '@vscode-elements/elements/dist/vscode-radio/vscode-radio.js';
import { h } from './dom';
import { formatCount, formatPercent } from '../src/shared/format';
import type { Reduction } from './recompute';
import { SLIDER_STEPS, flopsTargetFromSlider, lossFromSlider, lossSliderMax, sliderFromFlopsTarget, sliderFromLoss } from './sliderScale';
import type { ReportController, ReportSnapshot } from './state';
import { checkThresholdField } from './thresholdField';

function reductionText(what: string, r: Reduction | undefined, missing: string): string {
  if (r === undefined) return `${what}: ${missing}`;
  return `${what} ${formatCount(r.before)} → ${formatCount(r.after)} (−${formatPercent(r.reduction)})`;
}

export class ThresholdControl {
  private readonly lossRadio: VscodeRadio;
  private readonly flopsRadio: VscodeRadio;
  private readonly slider: HTMLInputElement;
  private readonly field: VscodeTextfield;
  private readonly fieldLabel: HTMLElement;
  private readonly fieldMessage: HTMLElement;
  private readonly summary: HTMLElement;
  private readonly together: HTMLElement;
  private readonly budgetField: VscodeTextfield;
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
    // A text field, not a number field: a number field empties itself on "abc" and hands
    // "7.46" to its step check, so the message could not say what was typed.
    this.field = h('vscode-textfield', { class: 'threshold-field', 'aria-label': 'Threshold in percent' }, h('span', { slot: 'content-after' }, '%')) as VscodeTextfield;
    this.field.addEventListener('input', () => controller.typeThreshold(this.field.value));
    this.field.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') controller.commitThreshold();
      else if (e.key === 'Escape') controller.discardThreshold();
    });
    this.field.addEventListener('change', () => controller.commitThreshold());
    this.field.addEventListener('focusout', () => controller.commitThreshold());
    this.fieldMessage = h('div', { class: 'field-message', role: 'status', 'aria-live': 'polite' });

    this.summary = h('div', { class: 'summary', 'aria-live': 'polite' });
    const button = (label: string, run: () => void, secondary = true): HTMLElement => {
      const b = h('vscode-button', secondary ? { secondary: true } : {}, label);
      b.addEventListener('click', run);
      return b;
    };
    // What the ratios cost together: measured in a job (every group pruned at once), and the
    // per-layer threshold that keeps the whole model within a budget.
    this.together = h('div', { class: 'together', 'aria-live': 'polite' });
    this.budgetField = h('vscode-textfield', { class: 'model-budget-field', value: '1.00', 'aria-label': 'Whole-model loss budget in percent' }, h('span', { slot: 'content-after' }, '%')) as VscodeTextfield;
    const fit = (): void => {
      const check = checkThresholdField(this.budgetField.value, 'loss');
      if (check.value !== undefined) controller.fitModelLoss(check.value);
      else this.together.textContent = check.problem ?? '';
    };
    this.budgetField.addEventListener('keydown', (e) => e.key === 'Enter' && fit());
    this.buttons = [
      button('Prune and Save...', () => controller.prune(), false),
      button('Measure Together', () => controller.measureTogether()),
      button('Export Ratios JSON', () => controller.exportRatios()),
      button('Export CSV', () => controller.exportCsv()),
      button('Export SVG', () => controller.exportSvg()),
    ];
    const fitButton = button('Fit Whole-Model Budget', fit);
    this.buttons.push(fitButton);
    container.append(
      h('div', { class: 'control-row' }, modes, this.fieldLabel, this.slider, this.field),
      this.fieldMessage,
      this.summary,
      this.together,
      h('div', { class: 'buttons' }, ...this.buttons.filter((b) => b !== fitButton)),
      h('div', { class: 'control-row model-budget' }, h('span', { class: 'field-label' }, 'Whole model loses at most'), this.budgetField, fitButton),
    );
  }

  private slid(): void {
    const position = Number(this.slider.value);
    if (this.flopsRadio.checked) this.controller.setFlopsTarget(flopsTargetFromSlider(position));
    else this.controller.setLoss(lossFromSlider(position, this.sliderMax));
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
    this.renderField(snap, shown);
    this.renderSummary(snap);
    this.renderTogether(snap);
    const ready = snap.computed !== undefined;
    for (const b of this.buttons) b.toggleAttribute('disabled', !ready);
  }

  /** The field shows the value in use unless text is being typed; the message says what Enter would do, or what is wrong. */
  private renderField(snap: ReportSnapshot, shown: number): void {
    const { draft, problem, pending } = snap.field;
    if (draft === undefined) this.field.value = (100 * shown).toFixed(2);
    this.field.invalid = problem !== undefined;
    this.fieldMessage.classList.toggle('invalid', problem !== undefined);
    this.fieldMessage.textContent = problem ?? (pending !== undefined ? `Enter applies ${formatPercent(pending)}.` : '');
  }

  /** The last combined measurement, and whether it is for the ratios on screen. */
  private renderTogether(snap: ReportSnapshot): void {
    const m = snap.combined;
    const metric = snap.data?.results.metadata.metric ?? 'top1';
    if (m === undefined) {
      this.together.textContent = 'Each layer is measured alone; Measure Together evaluates every ratio on screen at once.';
      return;
    }
    const current = snap.computed !== undefined && Math.abs(snap.computed.file.loss - m.threshold) < 1e-9;
    const budget = m.modelLoss === undefined ? '' : `, the largest within a whole-model budget of ${formatPercent(m.modelLoss)} (${m.evaluations ?? 0} evaluations)`;
    const text = `Together: ${metric} ${formatPercent(m.value)} (unpruned ${formatPercent(m.baseline)}), loss ${formatPercent(m.loss)}, measured at a per-layer budget of ${formatPercent(m.threshold)}${budget}`;
    this.together.textContent = current ? text : `${text} (not the ratios on screen)`;
    this.together.classList.toggle('stale', !current);
  }

  private renderSummary(snap: ReportSnapshot): void {
    const c = snap.computed;
    if (c === undefined || snap.data === undefined) {
      this.summary.replaceChildren(snap.status?.ok === false ? snap.status.text : 'No points yet.');
      return;
    }
    const items = [
      snap.control.mode === 'flops' ? `loss budget found: ${formatPercent(c.file.loss)}` : `loss budget ${formatPercent(c.file.loss)}`,
      reductionText('MACs', c.macs, 'unknown (no FLOPs model in this file)'),
      reductionText('params', c.params, 'unknown (re-run the scan to count them)'),
      `${c.prunedGroups} of ${snap.data.rows.filter((r) => r.prunable).length} groups pruned`,
    ];
    const spans = items.map((t) => h('span', { class: 'figure' }, t));
    if (c.file.target !== undefined && !c.file.target.reached) {
      spans.push(h('span', { class: 'figure warning' }, `the measured ratios cannot remove ${formatPercent(c.file.target.flopsReduction)} of the FLOPs; measure higher ratios`));
    }
    this.summary.replaceChildren(...spans);
    this.summary.title = snap.recomputeMs === undefined ? '' : `recomputed in ${snap.recomputeMs.toFixed(1)} ms`;
  }
}
