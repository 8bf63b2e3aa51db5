/**
 * The report webview's message handling (webview/state.ts) with a fake postMessage: the
 * handshake, loading and keeping the view state, live points and job progress, the
 * requests the buttons send and the replies that answer them, and a state from an older
 * page that must not break a restored panel.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { ratiosFileFor, type RatiosFile } from '../../src/shared/ratiosFile';
import type { FromWebview, LoadMessage } from '../../src/shared/webviewMessages';
import { isFromWebview, isToWebview } from '../../src/shared/webviewMessages';
import { ReportController, type Changes } from '../../webview/state';
import { restoreState, type ViewState } from '../../webview/viewState';
import { syntheticResults } from './webviewFixtures';

const results = syntheticResults({ groups: 8, ratios: 5 });
const load: LoadMessage = { type: 'load', uri: 'file:///w/sens.json', name: 'sens.json', defaultLoss: 0.01, results };

function harness(saved?: unknown): { controller: ReportController; posted: FromWebview[]; states: ViewState[]; changes: Changes[] } {
  const posted: FromWebview[] = [];
  const states: ViewState[] = [];
  const changes: Changes[] = [];
  const controller = new ReportController(
    { post: (m) => posted.push(m), getState: () => saved, setState: (s) => states.push(s) },
    (c) => changes.push(c),
  );
  return { controller, posted, states, changes };
}

it('asks for its data, then shows the file at the setting threshold and remembers which file it shows', () => {
  const { controller, posted, states, changes } = harness();
  controller.start();
  assert.deepEqual(posted, [{ type: 'ready' }]);
  assert.equal(controller.snapshot.data, undefined);
  controller.receive(load);
  const snap = controller.snapshot;
  assert.equal(snap.name, 'sens.json');
  assert.equal(snap.control.loss, 0.01);
  assert.deepEqual(snap.computed?.file, ratiosFileFor(results, { loss: 0.01 }, 'sens.json'));
  assert.equal(states.at(-1)?.uri, 'file:///w/sens.json');
  assert.ok(changes.at(-1)?.data);
});

it('recomputes as the threshold moves, switches to a FLOPs target and back without a jump, and keeps the selection', () => {
  const { controller, states, changes } = harness();
  controller.receive(load);
  controller.setLoss(0.05);
  assert.equal(controller.snapshot.computed?.file.loss, 0.05);
  assert.deepEqual(changes.at(-1), { ratios: true });
  controller.setFlopsTarget(0.4);
  const found = controller.snapshot.computed?.file;
  assert.equal(controller.snapshot.control.mode, 'flops');
  assert.equal(found?.target?.flopsReduction, 0.4);
  controller.setMode('loss');
  assert.equal(controller.snapshot.computed?.file.loss, found?.loss, 'the loss the search found is kept');
  controller.select('conv2_weights');
  controller.select('conv2_weights');
  assert.equal(changes.filter((c) => c.selection && !c.data).length, 1, 'the same selection again changes nothing');
  assert.deepEqual(
    { mode: states.at(-1)?.mode, loss: states.at(-1)?.loss, selected: states.at(-1)?.selected },
    { mode: 'loss', loss: found?.loss, selected: 'conv2_weights' },
  );
  controller.setLoss(7);
  assert.equal(controller.snapshot.computed?.file.loss, found?.loss, 'an impossible loss is ignored');
});

it('fills a cell from a live point, and asks for the file again for a group it does not know', () => {
  const { controller, posted } = harness();
  controller.receive(load);
  const point = { loss: -0.002, metric: 0.9018, channelsPruned: 3, seconds: 0.8, finishedAt: 't' };
  controller.receive({ type: 'point', group: 'conv1_weights', params: ['conv1_weights'], ratio: 0.99, point });
  const snap = controller.snapshot;
  assert.deepEqual(snap.data?.rows[1]?.cells.at(-1), point);
  assert.deepEqual(snap.fresh, { group: 'conv1_weights', key: '0.99' });
  controller.receive({ type: 'point', group: 'brand_new_weights', params: ['brand_new_weights'], ratio: 0.1, point });
  assert.deepEqual(posted.at(-1), { type: 'reload' });
  const early = harness();
  early.controller.receive({ type: 'point', group: 'conv1_weights', params: ['conv1_weights'], ratio: 0.1, point });
  assert.deepEqual(early.posted, [{ type: 'reload' }], 'a point before the first read asks for the file');
});

it('shows a running job and forgets it when it ends', () => {
  const { controller } = harness();
  controller.receive({ type: 'job', job: { title: 'Sensitivity: sens.json', done: 3, total: 40 } });
  assert.equal(controller.snapshot.job?.done, 3);
  controller.receive({ type: 'job' });
  assert.equal(controller.snapshot.job, undefined);
});

it('sends Prune and Save and the exports as requests with ids, and shows each reply once', () => {
  const { controller, posted } = harness();
  controller.receive(load);
  controller.setLoss(0.03);
  controller.prune();
  controller.exportRatios();
  controller.exportCsv();
  controller.exportSvg();
  const [prune, ratios, csv, svg] = posted;
  assert.deepEqual(prune, { type: 'prune', id: 1, loss: 0.03, criterion: 'l1_norm' });
  assert.equal(ratios?.type === 'saveText' && ratios.kind, 'ratios');
  const file = JSON.parse(ratios?.type === 'saveText' ? ratios.text : '') as RatiosFile;
  assert.deepEqual(file, JSON.parse(JSON.stringify(ratiosFileFor(results, { loss: 0.03 }, 'sens.json'))));
  assert.equal(ratios?.type === 'saveText' && ratios.fileName, 'sens.ratios.json');
  assert.equal(csv?.type === 'saveText' && csv.fileName, 'sens.csv');
  assert.deepEqual(svg, { type: 'exportSvg', id: 4, loss: 0.03, fileName: 'sens.svg' });
  controller.receive({ type: 'reply', id: 2, ok: true, message: 'saved to sens.ratios.json' });
  assert.deepEqual(controller.snapshot.status, { text: 'Export: saved to sens.ratios.json', ok: true });
  controller.receive({ type: 'reply', id: 1, ok: false, message: 'cancelled' });
  assert.deepEqual(controller.snapshot.status, { text: 'Prune and Save: cancelled', ok: false });
  controller.receive({ type: 'reply', id: 1, ok: true, message: 'again' });
  assert.equal(controller.snapshot.status?.text, 'Prune and Save: cancelled', 'a reply is taken once');
  controller.reveal('conv4_dw_weights');
  assert.deepEqual(posted.at(-1), { type: 'reveal', param: 'conv4_dw_weights' });
});

it('follows Prune and Save to its end: "running" while the job runs, then "finished" with its summary', () => {
  const { controller, posted } = harness();
  controller.receive(load);
  controller.prune();
  const id = posted.at(-1)?.type === 'prune' ? 1 : 0;
  assert.equal(id, 1);
  controller.receive({ type: 'reply', id, ok: true, message: 'running "Prune: sens.json"...', pending: true });
  assert.deepEqual(controller.snapshot.status, { text: 'Prune and Save: running "Prune: sens.json"...', ok: true });
  controller.receive({ type: 'reply', id, ok: true, message: 'finished: pruned 5 groups' });
  assert.deepEqual(controller.snapshot.status, { text: 'Prune and Save: finished: pruned 5 groups', ok: true });
  controller.receive({ type: 'reply', id, ok: true, message: 'late' });
  assert.equal(controller.snapshot.status?.text, 'Prune and Save: finished: pruned 5 groups', 'nothing after the final reply');
});

it('sends nothing before it has results, and ignores what is not one of its messages', () => {
  const { controller, posted, changes } = harness();
  controller.prune();
  controller.exportCsv();
  assert.deepEqual(posted, []);
  for (const junk of [null, 42, 'load', { type: 'unknown' }, { kind: 'load' }]) controller.receive(junk);
  assert.deepEqual(changes, []);
  assert.ok(isToWebview(load) && !isToWebview({ type: 'ready' }));
  assert.ok(isFromWebview({ type: 'ready' }) && !isFromWebview(load));
});

it('restores a saved view, and starts afresh from a state it does not recognise', () => {
  const saved: ViewState = { uri: 'file:///w/sens.json', name: 'sens.json', mode: 'loss', loss: 0.04, flopsTarget: 0.3, selected: 'conv3_weights' };
  const { controller } = harness(saved);
  controller.receive({ ...load, defaultLoss: 0.01 });
  assert.equal(controller.snapshot.control.loss, 0.04, 'the moved threshold wins over the setting');
  assert.equal(controller.snapshot.selected, 'conv3_weights');
  assert.deepEqual(restoreState({ mode: 'sideways', loss: 'x', flopsTarget: 5, selected: 3 }), { mode: 'loss', flopsTarget: 0.5 });
  assert.deepEqual(restoreState(undefined), { mode: 'loss', flopsTarget: 0.5 });
});
