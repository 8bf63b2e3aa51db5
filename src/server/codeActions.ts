/**
 * The fix offered on a stale results file: measure it again from scratch on the model as
 * it is now. The action runs the extension's `prunelens.startJob` command with a job spec
 * that restarts the file (the old one is kept as `<name>.previous.json`).
 */
import { CodeActionKind, type CodeAction, type CodeActionParams } from 'vscode-languageserver';
import type { SensitivityJobSpec } from '../shared/protocol';
import { STALE_CODE } from './diagnostics';

/** The command id the extension registers for starting a job from a spec. */
export const START_JOB_COMMAND = 'prunelens.startJob';

export function codeActions(params: CodeActionParams): CodeAction[] {
  return params.context.diagnostics
    .filter((d) => d.code === STALE_CODE)
    .flatMap((d) => {
      const file = (d.data as { file?: unknown } | undefined)?.file;
      if (typeof file !== 'string') return [];
      const spec: SensitivityJobSpec = { kind: 'sensitivity', file, restart: true };
      return [{ title: 'Re-run the sensitivity analysis on the current model', kind: CodeActionKind.QuickFix, diagnostics: [d], isPreferred: true, command: { title: 'Re-run analysis', command: START_JOB_COMMAND, arguments: [spec] } }];
    });
}
