/**
 * The Sensitivity Report page: builds the layout, connects the views to the controller
 * (webview/state.ts) and the controller to the extension (postMessage), and redraws what
 * changed at most once per animation frame. Colours follow the editor's theme, and are
 * redrawn when the user switches theme (VS Code changes the body's class).
 */
import '@vscode-elements/elements/dist/vscode-progress-bar/index.js';
import type { VscodeProgressBar } from '@vscode-elements/elements/dist/vscode-progress-bar/vscode-progress-bar.js';
import type { LossPalette } from '../src/shared/lossColour';
import { paletteFor, parseCssColour, themeKindOf } from './colourScale';
import { Curves } from './curves';
import { h } from './dom';
import { formatPercent } from '../src/shared/format';
import { Heatmap } from './heatmap';
import { LayerTree } from './layerTree';
import { ReportController, type Changes, type ReportSnapshot } from './state';
import type { ViewState } from './viewState';
import { ThresholdControl } from './thresholdControl';
import './styles.css';

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

const api = acquireVsCodeApi();

function currentPalette(): LossPalette {
  const background = getComputedStyle(document.documentElement).getPropertyValue('--vscode-editor-background');
  return paletteFor(themeKindOf(document.body.className), parseCssColour(background));
}

const title = h('h1', {});
const meta = h('div', { class: 'meta' });
const problem = h('div', { class: 'problem', role: 'alert' });
const jobText = h('span', { class: 'job-text' });
const progress = h('vscode-progress-bar', { 'aria-label': 'Job progress' }) as VscodeProgressBar;
const jobLine = h('div', { class: 'job' }, progress, jobText);
const status = h('div', { class: 'status', 'aria-live': 'polite' });
const controls = h('section', { class: 'controls', 'aria-label': 'Threshold' });
const treePane = h('section', { class: 'tree-pane', 'aria-label': 'Layers' });
const heatPane = h('section', { class: 'heat-pane', 'aria-label': 'Heatmap' });
const curvePane = h('section', { class: 'curve-pane', 'aria-label': 'Curves' });
const charts = h('div', { class: 'charts' }, heatPane, curvePane);
document.body.append(h('header', {}, title, meta, jobLine, problem), controls, status, h('div', { class: 'panes' }, treePane, charts));

let pending: Changes = {};
let frame = 0;
const controller = new ReportController(
  { post: (m) => api.postMessage(m), getState: () => api.getState(), setState: (s: ViewState) => api.setState(s) },
  (changes) => {
    pending = { ...pending, ...Object.fromEntries(Object.entries(changes).filter(([, v]) => v)) };
    frame ||= requestAnimationFrame(() => {
      frame = 0;
      const next = pending;
      pending = {};
      draw(next);
    });
  },
  () => performance.now(),
);

const select = (group: string): void => controller.select(group);
const tree = new LayerTree(treePane, select, (param) => controller.reveal(param));
const heatmap = new Heatmap(heatPane, select);
const curves = new Curves(curvePane, select);
const control = new ThresholdControl(controls, controller);
let palette = currentPalette();

function drawHeader(snap: ReportSnapshot): void {
  const m = snap.data?.results.metadata;
  title.textContent = `Sensitivity: ${snap.name || 'results'}`;
  meta.textContent = m
    ? `${m.model.name} · ${m.metric} baseline ${formatPercent(m.baseline)} on ${m.dataset.count} images (${m.dataset.spec}) · criterion ${m.criterion}`
    : '';
  problem.textContent = snap.error ?? '';
  problem.hidden = snap.error === undefined;
}

function drawJob(snap: ReportSnapshot): void {
  jobLine.hidden = snap.job === undefined;
  if (snap.job === undefined) return;
  const { title: jobTitle, done, total } = snap.job;
  if (total > 0) {
    progress.max = total;
    progress.value = done;
  } else {
    progress.indeterminate = true;
  }
  jobText.textContent = total > 0 ? `${jobTitle}: ${done}/${total} (${Math.round((100 * done) / total)}%)` : `${jobTitle}: starting`;
}

function draw(changes: Changes, force = false): void {
  const snap = controller.snapshot;
  if (changes.data || changes.status) drawHeader(snap);
  if (changes.job) drawJob(snap);
  if (changes.status) {
    status.textContent = snap.status?.text ?? '';
    status.classList.toggle('failed', snap.status?.ok === false);
  }
  if (changes.data) {
    heatmap.render(snap, palette, force);
    curves.render(snap);
    tree.render(snap);
  } else if (changes.ratios) {
    heatmap.updateRatios(snap);
    curves.updateRatios(snap);
    tree.updateRatios(snap);
  }
  if (changes.selection) {
    heatmap.updateSelection(snap.selected);
    curves.updateSelection(snap);
    tree.updateSelection(snap.selected);
  }
  if (changes.data || changes.ratios || changes.status || changes.field) control.render(snap);
}

// A theme switch changes the body's class: recolour the heatmap for the new background.
new MutationObserver(() => {
  palette = currentPalette();
  draw({ data: true }, true);
}).observe(document.body, { attributes: true, attributeFilter: ['class'] });

// The charts are drawn at their pane's width in pixels: draw them again when it changes.
let chartsWidth = 0;
new ResizeObserver(() => {
  if (charts.clientWidth === chartsWidth) return;
  chartsWidth = charts.clientWidth;
  draw({ data: true });
}).observe(charts);

window.addEventListener('message', (event: MessageEvent<unknown>) => controller.receive(event.data));
draw({ data: true, job: true, status: true, ratios: true });
controller.start();
