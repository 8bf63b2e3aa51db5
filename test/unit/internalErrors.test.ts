/**
 * A bug (anything thrown that is not a PruneLensError) is shown as one line that says it is
 * an internal error and where its stack trace went, apart from user errors; a worker's bug
 * reaches the job's error the same way, with the trace in the log.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { JobFailedError, runWorker } from '../../src/core/jobs/workerRun';
import { internalErrorReport } from '../../src/core/util/internalError';

test('an internal error is one line naming the log file that holds its stack trace', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'prunelens-internal-'));
  try {
    const line = internalErrorReport(new TypeError('x is undefined\nmore'), dir);
    assert.match(line, /^internal error: x is undefined \(a bug in PruneLens; the stack trace is in .*prunelens-internal-error-.*\.log; please report it/);
    assert.ok(!line.includes('\n'));
    const [log] = fs.readdirSync(dir);
    assert.match(fs.readFileSync(path.join(dir, log as string), 'utf8'), /TypeError: x is undefined/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("a worker's bug fails the job with one line; the stack trace goes to the log", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'prunelens-worker-bug-'));
  const module = path.join(dir, 'worker.js');
  fs.writeFileSync(
    module,
    "process.once('message', () => process.send({ type: 'failed', message: 'boom', expected: false, detail: 'TypeError: boom\\n    at somewhere' }, () => process.exit(1)));\n",
  );
  const logged: string[] = [];
  try {
    await assert.rejects(
      runWorker(
        { type: 'job', spec: { kind: 'merge', inputs: [], output: 'x.json' }, env: {} },
        { launcher: { module, execArgv: [] }, restarts: { count: 0, max: 0 }, cancelled: () => false, onReply: () => undefined, onStart: () => undefined, onExit: () => undefined, log: (l) => logged.push(l) },
      ),
      (err: Error) => err instanceof JobFailedError && /^internal error: boom \(a bug in PruneLens; the stack trace is in the log/.test(err.message),
    );
    assert.ok(logged.some((l) => l.includes('TypeError: boom') && l.includes('at somewhere')));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
