import * as path from 'node:path';
import { modelFingerprint } from '../../core/models/io';
import {
  CRITERIA,
  buildDependencyGraph,
  checkOutputFolder,
  compareFlops,
  formatFlopsComparison,
  planPruning,
  pruneModel,
  readRatiosFile,
  writePrunedModel,
  type Criterion,
  type PrunePlan,
} from '../../core/pruning';
import { UsageError } from '../../core/util/errors';
import { bool, choice, int, onePositional, str, type CommandSpec, type ParsedArgs } from '../args';
import { MODEL_HELP, ZOO_OPTIONS, openModel } from '../common';
import type { CliContext } from '../context';

/** `--ratio NAME=R`, repeatable; each name once. */
function ratioFlags(values: readonly string[]): Record<string, number> {
  const ratios: Record<string, number> = {};
  for (const text of values) {
    const at = text.lastIndexOf('=');
    const name = text.slice(0, at).trim();
    const value = text.slice(at + 1).trim();
    if (at <= 0 || value === '' || !Number.isFinite(Number(value))) throw new UsageError(`--ratio must be NAME=R with R a number, got "${text}"`);
    if (name in ratios) throw new UsageError(`--ratio names '${name}' twice`);
    ratios[name] = Number(value);
  }
  return ratios;
}

async function ratiosFrom(args: ParsedArgs): Promise<Record<string, number>> {
  const file = str(args, 'ratios');
  const flags = (args.values['ratio'] as string[] | undefined) ?? [];
  if ((file === undefined) === (flags.length === 0)) throw new UsageError('prune: give either --ratios FILE or one or more --ratio NAME=R');
  return file !== undefined ? readRatiosFile(file) : ratioFlags(flags);
}

function describePlan(plan: PrunePlan): string[] {
  return plan.groups.map((g) => {
    const coupled = g.params.length > 1 ? ` (+${g.params.length - 1} coupled: ${g.params.slice(1).join(', ')})` : '';
    return `${g.id}${coupled}: ${g.channels} -> ${g.kept.length} channels at ratio ${g.ratio}`;
  });
}

export function pruneCommand(ctx: CliContext): CommandSpec {
  const spec: CommandSpec = {
    name: 'prune',
    usage: 'prune MODEL (--ratios FILE | --ratio NAME=R ...) [--criterion C] [--round-to K] --out DIR',
    summary: `Remove channels physically and write the pruned model (TF.js Layers format) with pruning-plan.json. ${MODEL_HELP}.`,
    options: {
      ratios: { type: 'string', value: 'FILE', help: 'JSON {param: ratio} or {"ratios": {param: ratio}}' },
      ratio: { type: 'string', value: 'NAME=R', multiple: true, help: 'prune parameter NAME by ratio R in [0, 1); repeatable' },
      criterion: { type: 'string', value: 'C', default: 'l1_norm', help: `channel importance: ${CRITERIA.join(', ')}` },
      'round-to': { type: 'string', value: 'K', help: 'keep a multiple of K channels in every pruned group' },
      out: { type: 'string', value: 'DIR', help: 'folder to write (must not exist, or be empty)' },
      'all-layers': { type: 'boolean', help: 'count MACs of pooling, BN and activations too' },
      json: { type: 'boolean', help: 'print JSON' },
      ...ZOO_OPTIONS,
    },
    async run(args) {
      const modelSpec = onePositional(args, spec, 'MODEL');
      const out = str(args, 'out');
      if (out === undefined) throw new UsageError('prune: --out DIR is required');
      const criterion = choice<Criterion>(args, 'criterion', CRITERIA) ?? 'l1_norm';
      const roundTo = int(args, 'round-to') ?? 1;
      const ratios = await ratiosFrom(args);
      // Checked before the work so that a bad --out fails fast; writePrunedModel checks again.
      await checkOutputFolder(out);
      const model = await openModel(modelSpec, args);
      const plan = planPruning(model, buildDependencyGraph(model), ratios, { criterion, roundTo });
      const pruned = pruneModel(model, plan);
      const flops = compareFlops(model, pruned, { onlyConv: !bool(args, 'all-layers') });
      const written = await writePrunedModel(out, pruned, plan, { source: modelSpec, sourceFingerprint: modelFingerprint(model), flops });
      if (bool(args, 'json')) {
        ctx.log(JSON.stringify({ out: written.dir, groups: plan.groups.map((g) => ({ id: g.id, channels: g.channels, kept: g.kept.length })), flops: { before: flops.before, after: flops.after } }, null, 2));
        return;
      }
      for (const line of describePlan(plan)) ctx.log(line);
      ctx.log(formatFlopsComparison(flops).split('\n').at(-1) ?? '');
      ctx.log(`wrote ${written.modelJson} and ${path.basename(written.plan)}`);
    },
  };
  return spec;
}
