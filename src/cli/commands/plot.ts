import { sensitivityPlotSvg, type PlotPanels } from '../../core/sensitivity/plot';
import { loadResults } from '../../core/sensitivity/resultsFile';
import { groupOrder } from '../../shared/results';
import { writeFileAtomic } from '../../core/util/atomicWrite';
import { UsageError } from '../../core/util/errors';
import { choice, num, onePositional, str, type CommandSpec } from '../args';
import type { CliContext } from '../context';
import { counted } from '../../shared/format';

export function plotCommand(ctx: CliContext): CommandSpec {
  const spec: CommandSpec = {
    name: 'plot',
    usage: 'plot SENS.json -o FILE.svg [--loss T] [--panels both|curves|heatmap]',
    summary: 'Draw a sensitivity results file as an SVG: loss curves per channel group with the loss threshold, and a group x ratio heatmap.',
    options: {
      out: { type: 'string', short: 'o', value: 'FILE', help: 'SVG file to write' },
      loss: { type: 'string', value: 'T', default: '0.01', help: 'loss threshold to draw' },
      panels: { type: 'string', value: 'P', default: 'both', help: 'both, curves or heatmap' },
    },
    async run(args) {
      const file = onePositional(args, spec, 'results file');
      const out = str(args, 'out');
      if (out === undefined) throw new UsageError('plot: -o FILE.svg is required');
      // A typo such as "-o sens.json" must not replace a results file with a picture.
      if (!/\.svg$/i.test(out)) throw new UsageError(`plot: the output file must end in .svg, got "${out}"`);
      const threshold = num(args, 'loss') ?? 0.01;
      const panels = choice<PlotPanels>(args, 'panels', ['both', 'curves', 'heatmap']) ?? 'both';
      const results = await loadResults(file);
      await writeFileAtomic(out, sensitivityPlotSvg(results, { threshold, panels }));
      ctx.log(`wrote ${out} (${counted(groupOrder(results).length, 'channel group')}, ${counted(Object.keys(results.params).length, 'param')})`);
    },
  };
  return spec;
}
