import { summarizeModel, type ModelSummary } from '../../core/models/summary';
import { bool, onePositional, type CommandSpec } from '../args';
import { MODEL_HELP, ZOO_OPTIONS, openModel } from '../common';
import type { CliContext } from '../context';

/** PaddleSlim's flops(detail=True): MACs per `_weights` parameter (per layer when it has none). */
function formatDetail(summary: ModelSummary): string[] {
  const rows = summary.layers.filter((l) => l.macs > 0).map((l) => [l.kernelParam ?? l.name, l.className, String(l.macs), `${((100 * l.macs) / Math.max(1, summary.totalMacs)).toFixed(1)}%`]);
  const header = ['param', 'class', 'MACs', 'share'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => (i >= 2 ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0))).join('  ').trimEnd();
  return [line(header), ...rows.map(line)];
}

export function flopsCommand(ctx: CliContext): CommandSpec {
  const spec: CommandSpec = {
    name: 'flops',
    usage: 'flops MODEL [--detail] [--all-layers] [--json]',
    summary: `Count multiply-accumulates per image as PaddleSlim's flops() does (convs and Dense by default) and parameters. ${MODEL_HELP}.`,
    options: {
      detail: { type: 'boolean', help: 'also list MACs per parameter (layer)' },
      'all-layers': { type: 'boolean', help: "count pooling, BN and activations too (PaddleSlim's only_conv=False)" },
      json: { type: 'boolean', help: 'print JSON' },
      ...ZOO_OPTIONS,
    },
    async run(args) {
      const model = await openModel(onePositional(args, spec, 'MODEL'), args);
      const onlyConv = !bool(args, 'all-layers');
      const summary = summarizeModel(model, { onlyConv });
      if (bool(args, 'json')) {
        const layers = summary.layers.filter((l) => l.macs > 0).map((l) => ({ layer: l.name, param: l.kernelParam ?? null, className: l.className, macs: l.macs }));
        ctx.log(JSON.stringify({ onlyConv, macs: summary.totalMacs, params: summary.totalParams, ...(bool(args, 'detail') ? { layers } : {}) }, null, 2));
        return;
      }
      if (bool(args, 'detail')) for (const line of formatDetail(summary)) ctx.log(line);
      ctx.log(`MACs per image: ${summary.totalMacs} (${onlyConv ? 'conv and dense only' : 'all layers'}); params: ${summary.totalParams}`);
    },
  };
  return spec;
}
