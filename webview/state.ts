/**
 * The report's state and everything that changes it: messages from the extension, and what
 * the user does in the views (move the threshold, select a group, press a button). The
 * views only read `snapshot` and call these methods; this class posts the messages and
 * keeps the view state with the webview's `setState`, so the panel comes back as it was
 * after a reload or after being hidden.
 *
 * No DOM here: it talks to the page through WebviewHost, so the tests drive it with a fake
 * postMessage.
 */
import type { CombinedFigure, FromWebview, ReportJob, ToWebview } from '../src/shared/webviewMessages';
import { isToWebview } from '../src/shared/webviewMessages';
import { ratioKey } from '../src/shared/results';
import { csvExportText, exportFileName, ratiosExportText } from './exports';
import { effectiveMode, recompute, type Recomputed, type ThresholdControlValue, type ThresholdMode } from './recompute';
import { formatPercent } from '../src/shared/format';
import { reportData, withPoint, type ReportData } from './reportData';
import { FLOPS_TARGET_MAX, FLOPS_TARGET_MIN } from './sliderScale';
import { checkThresholdField } from './thresholdField';
import { restoreState, type ViewState } from './viewState';

/** The page's side of the webview API (acquireVsCodeApi), or a fake in tests. */
export interface WebviewHost {
  post(message: FromWebview): void;
  getState(): unknown;
  setState(state: ViewState): void;
}

/** What changed, so each view redraws only what it must. */
export interface Changes {
  /** The results (a new file read or a live point): rebuild rows and cells. */
  readonly data?: boolean;
  /** The threshold or its outcome: chosen ratios, outlines, totals. */
  readonly ratios?: boolean;
  readonly selection?: boolean;
  readonly job?: boolean;
  readonly status?: boolean;
  /** The threshold field's text or message. */
  readonly field?: boolean;
}

export interface Status {
  readonly text: string;
  readonly ok: boolean;
}

/** The threshold's number field while the user types in it, and what is wrong with the text. */
export interface FieldState {
  /** Text typed but not applied yet (undefined: the field shows the value in use). */
  readonly draft?: string;
  /** Why the text cannot be used; the value in use stays, and the message says which it is. */
  readonly problem?: string;
  /** A value that Enter would apply. */
  readonly pending?: number;
}

export interface ReportSnapshot {
  readonly name: string;
  readonly data?: ReportData;
  readonly computed?: Recomputed;
  readonly control: ThresholdControlValue;
  readonly field: FieldState;
  readonly selected?: string;
  readonly job?: ReportJob;
  /** Why the results could not be read; the last results read stay on screen. */
  readonly error?: string;
  readonly status?: Status;
  /** The cell a live point just filled, for a brief highlight. */
  readonly fresh?: { readonly group: string; readonly key: string };
  /** How long the last recompute took, in milliseconds. */
  readonly recomputeMs?: number;
  /** The last combined pruning measured (it applies while the threshold is its `threshold`). */
  readonly combined?: CombinedFigure;
}

const REQUEST_LABEL: Readonly<Record<string, string>> = { prune: 'Prune and Save', saveText: 'Export', exportSvg: 'Export SVG', measure: 'Measure together', fitModelLoss: 'Whole-model budget' };

export class ReportController {
  private state: ViewState;
  private defaultLoss = 0.01;
  private data: ReportData | undefined;
  private computed: Recomputed | undefined;
  private job: ReportJob | undefined;
  private error: string | undefined;
  private status: Status | undefined;
  private fresh: { group: string; key: string } | undefined;
  private recomputeMs: number | undefined;
  private field: FieldState = {};
  private combined: CombinedFigure | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, string>();

  constructor(
    private readonly host: WebviewHost,
    private readonly changed: (changes: Changes) => void,
    private readonly now: () => number = () => Date.now(),
  ) {
    this.state = restoreState(host.getState());
  }

  get snapshot(): ReportSnapshot {
    return {
      name: this.state.name ?? '',
      ...(this.data !== undefined ? { data: this.data } : {}),
      ...(this.computed !== undefined ? { computed: this.computed } : {}),
      control: this.control(),
      field: this.field,
      ...(this.state.selected !== undefined ? { selected: this.state.selected } : {}),
      ...(this.job !== undefined ? { job: this.job } : {}),
      ...(this.error !== undefined ? { error: this.error } : {}),
      ...(this.status !== undefined ? { status: this.status } : {}),
      ...(this.fresh !== undefined ? { fresh: this.fresh } : {}),
      ...(this.recomputeMs !== undefined ? { recomputeMs: this.recomputeMs } : {}),
      ...(this.combined !== undefined ? { combined: this.combined } : {}),
    };
  }

  /** The page is ready: ask for the data. */
  start(): void {
    this.host.post({ type: 'ready' });
  }

  /** A message from the extension; anything that is not one of ours is ignored. */
  receive(message: unknown): void {
    if (!isToWebview(message)) return;
    this.handle(message);
  }

  private handle(message: ToWebview): void {
    switch (message.type) {
      case 'load': {
        this.defaultLoss = message.defaultLoss;
        this.save({ ...this.state, uri: message.uri, name: message.name });
        this.error = message.error;
        if (message.results !== undefined) this.setData(reportData(message.results));
        this.changed({ data: true, ratios: true, selection: true, status: true });
        return;
      }
      case 'point': {
        const next = this.data === undefined ? undefined : withPoint(this.data.results, message);
        if (next === undefined) {
          // A group this page has never seen, or no file read yet: only the file can say.
          this.host.post({ type: 'reload' });
          return;
        }
        this.setData(reportData(next));
        this.fresh = { group: message.group, key: ratioKey(message.ratio) };
        this.changed({ data: true, ratios: true });
        return;
      }
      case 'job':
        this.job = message.job;
        if (message.job === undefined) this.fresh = undefined;
        this.changed({ job: true, data: message.job === undefined });
        return;
      case 'reply': {
        const label = this.pending.get(message.id);
        if (label === undefined) return;
        if (message.pending !== true) this.pending.delete(message.id);
        this.status = { text: `${label}: ${message.message}`, ok: message.ok };
        if (message.combined !== undefined) {
          this.combined = message.combined;
          // A whole-model budget answers with the per-layer threshold it found: show its ratios.
          if (message.combined.modelLoss !== undefined) this.setLoss(message.combined.threshold);
        }
        this.changed({ status: true, ratios: true });
        return;
      }
    }
  }

  private setData(data: ReportData): void {
    this.data = data;
    this.recompute();
  }

  /** The threshold as it applies: the setting's loss until the user moves it, and never a FLOPs target without a FLOPs model. */
  private control(): ThresholdControlValue {
    const mode = this.data === undefined ? this.state.mode : effectiveMode(this.data, this.state.mode);
    return { mode, loss: this.state.loss ?? this.defaultLoss, flopsTarget: this.state.flopsTarget };
  }

  private recompute(): void {
    if (this.data === undefined) return;
    const started = this.now();
    try {
      this.computed = recompute(this.data, this.control(), this.state.name);
    } catch (err) {
      this.computed = undefined;
      this.status = { text: (err as Error).message, ok: false };
    }
    this.recomputeMs = this.now() - started;
  }

  private save(state: ViewState): void {
    this.state = state;
    this.host.setState(state);
  }

  setLoss(loss: number): void {
    if (!(loss >= 0 && loss <= 1)) return;
    this.save({ ...this.state, loss, mode: 'loss' });
    this.recompute();
    this.clearField();
    this.changed({ ratios: true });
  }

  setFlopsTarget(target: number): void {
    if (!(target >= FLOPS_TARGET_MIN && target <= FLOPS_TARGET_MAX)) return;
    this.save({ ...this.state, flopsTarget: target, mode: 'flops' });
    this.recompute();
    this.clearField();
    this.changed({ ratios: true });
  }

  setMode(mode: ThresholdMode): void {
    // Leaving a FLOPs target that was reached keeps the loss budget its search found, so the
    // picture does not jump; one the measurements cannot reach found nothing worth keeping
    // (its search ends at a budget of 100%), so the budget the user had comes back.
    const target = this.computed?.file.target;
    const keepFound = mode === 'loss' && this.state.mode === 'flops' && target?.reached === true && this.computed !== undefined;
    const loss = keepFound ? this.computed?.file.loss : this.state.loss;
    this.save({ ...this.state, mode, ...(loss !== undefined ? { loss } : {}) });
    this.recompute();
    this.clearField();
    this.changed({ ratios: true });
  }

  /** Text typed into the threshold field: checked, never applied on a keystroke. */
  typeThreshold(text: string): void {
    const check = checkThresholdField(text, this.control().mode);
    this.field = check.problem !== undefined ? { draft: text, problem: `${check.problem} ${this.inUse()}` } : { draft: text, pending: check.value };
    this.changed({ field: true });
  }

  /** Enter, or the field lost focus: apply the typed value, or keep the one in use and say why. */
  commitThreshold(): void {
    const draft = this.field.draft;
    if (draft === undefined) return;
    const check = checkThresholdField(draft, this.control().mode);
    if (check.value === undefined) {
      this.field = { problem: `${check.problem} ${this.inUse()}` };
      this.changed({ field: true });
    } else if (this.control().mode === 'flops') {
      this.setFlopsTarget(check.value);
    } else {
      this.setLoss(check.value);
    }
  }

  /** Escape: back to the value in use. */
  discardThreshold(): void {
    this.clearField();
  }

  /** "The loss budget stays 1.00%.": what applies while the field holds something else. */
  private inUse(): string {
    const c = this.control();
    return c.mode === 'flops' ? `The FLOPs target stays ${formatPercent(c.flopsTarget)}.` : `The loss budget stays ${formatPercent(this.computed?.file.loss ?? c.loss)}.`;
  }

  private clearField(): void {
    if (this.field.draft === undefined && this.field.problem === undefined) return;
    this.field = {};
    this.changed({ field: true });
  }

  /** Select a group (from the tree, a heatmap row or a curve); the same group again keeps it. */
  select(group: string | undefined): void {
    if (group === this.state.selected) return;
    const { selected: _old, ...rest } = this.state;
    this.save(group === undefined ? rest : { ...rest, selected: group });
    this.changed({ selection: true });
  }

  private request(message: FromWebview & { readonly id: number }, waiting: string): void {
    this.pending.set(message.id, REQUEST_LABEL[message.type] ?? message.type);
    this.host.post(message);
    this.status = { text: waiting, ok: true };
    this.changed({ status: true });
  }

  /** Prune and Save with the ratios on screen: the prune job takes them from the file at this threshold. */
  prune(): void {
    if (this.computed === undefined) return;
    const { loss, source } = this.computed.file;
    this.request({ type: 'prune', id: this.nextId++, loss, criterion: source.criterion }, 'Prune and Save: choose where to write the pruned model.');
  }

  /** Measure the ratios on screen applied all at once (a job in the background). */
  measureTogether(): void {
    if (this.computed === undefined) return;
    this.request({ type: 'measure', id: this.nextId++, loss: this.computed.file.loss }, 'Measure together: pruning every group at once and evaluating...');
  }

  /** Find the per-layer threshold whose ratios together lose at most `budget`, then show them. */
  fitModelLoss(budget: number): void {
    if (!(budget >= 0 && budget < 1) || this.data === undefined) return;
    this.request({ type: 'fitModelLoss', id: this.nextId++, budget }, `Whole-model budget: searching the threshold that loses at most ${formatPercent(budget)} in all...`);
  }

  exportRatios(): void {
    if (this.computed === undefined) return;
    const text = ratiosExportText(this.computed);
    this.request({ type: 'saveText', id: this.nextId++, kind: 'ratios', text, fileName: exportFileName(this.snapshot.name, 'ratios') }, 'Export: choose a file.');
  }

  exportCsv(): void {
    if (this.computed === undefined || this.data === undefined) return;
    const text = csvExportText(this.data, this.computed);
    this.request({ type: 'saveText', id: this.nextId++, kind: 'csv', text, fileName: exportFileName(this.snapshot.name, 'csv') }, 'Export: choose a file.');
  }

  exportSvg(): void {
    if (this.computed === undefined) return;
    this.request({ type: 'exportSvg', id: this.nextId++, loss: this.computed.file.loss, fileName: exportFileName(this.snapshot.name, 'svg') }, 'Export SVG: choose a file.');
  }

  reveal(param: string): void {
    this.host.post({ type: 'reveal', param });
  }
}
