/**
 * The report's threshold field, through its controller (webview/state.ts) with a fake
 * postMessage: typed text is checked on every keystroke but applied only on Enter (or when
 * the field loses focus); text that cannot be used says why and keeps the value in use;
 * non-integers are percentages like any other; a typed budget survives a reload of the
 * page; leaving a FLOPs target the measurements cannot reach brings the user's budget back.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { LoadMessage } from '../../src/shared/webviewMessages';
import { ReportController } from '../../webview/state';
import { checkThresholdField } from '../../webview/thresholdField';
import type { ViewState } from '../../webview/viewState';
import { syntheticResults } from './webviewFixtures';

const results = syntheticResults({ groups: 8, ratios: 5 });
const load: LoadMessage = { type: 'load', uri: 'file:///w/sens.json', name: 'sens.json', defaultLoss: 0.01, results };

function loaded(saved?: unknown): { controller: ReportController; states: ViewState[] } {
  const states: ViewState[] = [];
  const controller = new ReportController({ post: () => undefined, getState: () => saved, setState: (s) => states.push(s) }, () => undefined);
  controller.receive(load);
  return { controller, states };
}

describe('the threshold field', () => {
  it('reads percentages, with or without %, with a decimal point or comma, and says what is wrong otherwise', () => {
    assert.equal(checkThresholdField('1.5', 'loss').value, 0.015);
    assert.equal(checkThresholdField(' 7,46 % ', 'loss').value, 0.0746);
    assert.equal(checkThresholdField('50', 'flops').value, 0.5);
    assert.match(checkThresholdField('150', 'loss').problem ?? '', /from 0% to 100%; 150% is outside/);
    assert.match(checkThresholdField('99', 'flops').problem ?? '', /from 1% to 95%/);
    assert.match(checkThresholdField('abc', 'loss').problem ?? '', /"abc" is not a number/);
    assert.match(checkThresholdField('', 'loss').problem ?? '', /empty/);
  });

  it('applies nothing while 150 is typed, and on Enter keeps the budget in use with a message', () => {
    const { controller, states } = loaded();
    const saved = states.length;
    for (const text of ['1', '15', '150']) {
      controller.typeThreshold(text);
      assert.equal(controller.snapshot.computed?.file.loss, 0.01, `"${text}" typed: the budget is unchanged`);
    }
    assert.equal(controller.snapshot.field.draft, '150', 'the field keeps what was typed');
    assert.match(controller.snapshot.field.problem ?? '', /150% is outside\. The loss budget stays 1\.00%\./);
    controller.commitThreshold();
    assert.equal(controller.snapshot.computed?.file.loss, 0.01);
    assert.deepEqual(controller.snapshot.field, { problem: checkThresholdField('150', 'loss').problem + ' The loss budget stays 1.00%.' });
    assert.equal(states.length, saved, 'nothing was saved');
  });

  it('keeps non-numeric text in the field with a message, and Escape goes back to the value in use', () => {
    const { controller } = loaded();
    controller.typeThreshold('abc');
    assert.equal(controller.snapshot.field.draft, 'abc');
    assert.match(controller.snapshot.field.problem ?? '', /"abc" is not a number.*stays 1\.00%/);
    controller.discardThreshold();
    assert.deepEqual(controller.snapshot.field, {});
  });

  it('applies 7.46 on Enter, and the typed budget survives a reload of the page', () => {
    const { controller, states } = loaded();
    controller.typeThreshold('7.46');
    assert.equal(controller.snapshot.field.pending, 0.0746);
    assert.equal(controller.snapshot.computed?.file.loss, 0.01, 'not before Enter');
    controller.commitThreshold();
    assert.equal(controller.snapshot.computed?.file.loss, 0.0746);
    assert.deepEqual(controller.snapshot.field, {});
    const reloaded = loaded(states.at(-1));
    assert.equal(reloaded.controller.snapshot.computed?.file.loss, 0.0746);
  });

  it('types a FLOPs target in FLOPs mode', () => {
    const { controller } = loaded();
    controller.setMode('flops');
    controller.typeThreshold('40');
    controller.commitThreshold();
    assert.equal(controller.snapshot.computed?.file.target?.flopsReduction, 0.4);
  });

  it('brings the budget back when leaving a FLOPs target that cannot be reached', () => {
    const { controller } = loaded();
    controller.setLoss(0.02);
    controller.setFlopsTarget(0.95);
    assert.equal(controller.snapshot.computed?.file.target?.reached, false, 'the fixture cannot lose 95% of its FLOPs');
    assert.equal(controller.snapshot.computed?.file.loss, 1, 'the search ends at a budget of 100%');
    controller.setMode('loss');
    assert.equal(controller.snapshot.computed?.file.loss, 0.02);
    assert.equal(controller.snapshot.control.mode, 'loss');
  });
});
