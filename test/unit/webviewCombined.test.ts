/**
 * The report's combined loss, through its controller with a fake postMessage: Measure
 * Together asks for the ratios on screen measured at once and shows the answer while those
 * ratios stay on screen; Fit Whole-Model Budget asks for a search and shows the ratios of
 * the per-layer threshold it found.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import type { FromWebview, LoadMessage } from '../../src/shared/webviewMessages';
import { ReportController } from '../../webview/state';
import { syntheticResults } from './webviewFixtures';

const load: LoadMessage = { type: 'load', uri: 'file:///w/sens.json', name: 'sens.json', defaultLoss: 0.01, results: syntheticResults({ groups: 8, ratios: 5 }) };

function loaded(): { controller: ReportController; posted: FromWebview[] } {
  const posted: FromWebview[] = [];
  const controller = new ReportController({ post: (m) => posted.push(m), getState: () => undefined, setState: () => undefined }, () => undefined);
  controller.receive(load);
  return { controller, posted };
}

it('Measure Together asks for the ratios on screen and shows what they cost together', () => {
  const { controller, posted } = loaded();
  controller.measureTogether();
  const request = posted.at(-1);
  assert.deepEqual(request, { type: 'measure', id: 1, loss: 0.01 });
  controller.receive({ type: 'reply', id: 1, ok: true, message: 'running', pending: true });
  assert.equal(controller.snapshot.combined, undefined);
  const combined = { threshold: 0.01, baseline: 0.9, value: 0.81, loss: 0.1 };
  controller.receive({ type: 'reply', id: 1, ok: true, message: 'ratios for 8 params', combined });
  assert.deepEqual(controller.snapshot.combined, combined);
  assert.equal(controller.snapshot.computed?.file.loss, 0.01, 'the threshold stays');
});

it('Fit Whole-Model Budget shows the ratios of the threshold the search found', () => {
  const { controller, posted } = loaded();
  controller.fitModelLoss(0.02);
  assert.deepEqual(posted.at(-1), { type: 'fitModelLoss', id: 1, budget: 0.02 });
  controller.receive({ type: 'reply', id: 1, ok: true, message: 'done', combined: { threshold: 0.004, baseline: 0.9, value: 0.885, loss: 0.0167, modelLoss: 0.02, evaluations: 9 } });
  assert.equal(controller.snapshot.computed?.file.loss, 0.004);
  assert.equal(controller.snapshot.combined?.modelLoss, 0.02);
  controller.fitModelLoss(1.5);
  assert.equal(posted.length, 1, 'a budget outside [0, 100%) asks for nothing');
});
