import { promises as fsp } from 'node:fs';
import { modelFingerprint } from '../../core/models/fingerprint';
import { buildDependencyGraph } from '../../core/pruning';
import { buildFlopsModel } from '../../core/sensitivity/flopsModel';
import { loadResults } from '../../core/sensitivity/resultsFile';
import { writeFileAtomic } from '../../core/util/atomicWrite';
import { PruneLensError, UsageError } from '../../core/util/errors';
import { RESULTS_FORMAT, type SensitivityResults } from '../../shared/results';
import { ratiosFileFor, type RatiosFile, type RatiosRule } from '../../shared/ratiosFile';
import { bool, num, onePositional, str, type CommandSpec, type ParsedArgs } from '../args';
import { ZOO_OPTIONS, openModel } from '../common';
import type { CliContext } from '../context';

function rule(args: ParsedArgs): RatiosRule {
  const loss = num(args, 'loss');
  const target = num(args, 'target-flops');
  if ((loss === undefined) === (target === undefined)) throw new UsageError('ratios: give either --loss T or --target-flops F');
  if (target !== undefined) {
    if (!(target > 0 && target < 1)) throw new UsageError(`--target-flops is the share of FLOPs to remove, between 0 and 1; got ${target}`);
    return { targetFlops: target };
  }
  return { loss: loss as number };
}

/** The results with a FLOPs model: the file's own, or one built from --model (which must be the model measured). */
async function withFlopsModel(results: SensitivityResults, args: ParsedArgs): Promise<SensitivityResults> {
  if (results.flops !== undefined) return results;
  const modelSpec = str(args, 'model');
  if (modelSpec === undefined) throw new UsageError('ratios: this results file has no FLOPs model; give --model MODEL (the model it was measured on) to use --target-flops');
  const model = await openModel(modelSpec, args);
  if (modelFingerprint(model) !== results.metadata.model.fingerprint && !bool(args, 'force')) {
    throw new PruneLensError(`is not the model the results were measured on (fingerprints differ); --force uses it anyway`, modelSpec);
  }
  return { ...results, flops: buildFlopsModel(model, buildDependencyGraph(model)) };
}

/** Refuses to write the ratios over a results file, which an -o typo could otherwise destroy. */
async function checkNotResults(out: string): Promise<void> {
  let text: string;
  try {
    text = await fsp.readFile(out, 'utf8');
  } catch {
    return;
  }
  let format: unknown;
  try {
    format = (JSON.parse(text) as Record<string, unknown> | null)?.['format'];
  } catch {
    return;
  }
  if (format === RESULTS_FORMAT) throw new UsageError(`ratios: ${out} is a sensitivity results file; choose another -o`);
}

function describe(file: RatiosFile, results: SensitivityResults): string[] {
  const lines: string[] = [];
  const width = Math.max(5, ...Object.keys(file.ratios).map((p) => p.length));
  for (const [param, ratio] of Object.entries(file.ratios)) {
    const group = results.params[param];
    const shared = group !== undefined && group !== param ? `  (group ${group})` : '';
    lines.push(`${param.padEnd(width)}  ${ratio.toFixed(4)}${shared}`);
  }
  lines.push(`loss threshold ${file.loss}`);
  if (file.flops) lines.push(`MACs per image ${file.flops.before} -> ${file.flops.after} (-${(100 * file.flops.reduction).toFixed(2)}%)`);
  if (file.target && !file.target.reached) {
    lines.push(`warning: the measured ratios cannot remove ${(100 * file.target.flopsReduction).toFixed(1)}% of the FLOPs; these are the largest measured (measure higher ratios to go further)`);
  }
  return lines;
}

export function ratiosCommand(ctx: CliContext): CommandSpec {
  const spec: CommandSpec = {
    name: 'ratios',
    usage: 'ratios SENS.json (--loss T | --target-flops F) [-o RATIOS.json] [--json]',
    summary:
      "Pick pruning ratios from a sensitivity results file: the largest ratio per param whose loss stays within T (PaddleSlim's get_ratios_by_loss), " +
      'or the smallest threshold that removes the share F of the FLOPs. The ratios file is what "prunelens prune --ratios" takes.',
    options: {
      loss: { type: 'string', value: 'T', help: 'loss threshold, e.g. 0.01 for 1%' },
      'target-flops': { type: 'string', value: 'F', help: 'share of FLOPs (MACs) to remove, e.g. 0.5' },
      out: { type: 'string', short: 'o', value: 'FILE', help: 'write the ratios file here' },
      model: { type: 'string', value: 'MODEL', help: 'the model measured, for --target-flops with a results file that has no FLOPs model' },
      force: { type: 'boolean', help: 'use --model even if it is not the model the results were measured on' },
      json: { type: 'boolean', help: 'print the ratios file as JSON' },
      ...ZOO_OPTIONS,
    },
    async run(args) {
      const sensFile = onePositional(args, spec, 'results file');
      const chosen = rule(args);
      const out = str(args, 'out');
      if (out !== undefined) await checkNotResults(out);
      let results = await loadResults(sensFile);
      if ('targetFlops' in chosen) results = await withFlopsModel(results, args);
      const file = ratiosFileFor(results, chosen, sensFile);
      const text = `${JSON.stringify(file, null, 2)}\n`;
      if (bool(args, 'json')) ctx.log(text.trimEnd());
      else for (const line of describe(file, results)) ctx.log(line);
      if (out !== undefined) {
        await writeFileAtomic(out, text);
        ctx.log(`wrote ${out}`);
      }
    },
  };
  return spec;
}
