// Builds every bundle of bundles.mjs (the one esbuild configuration); --watch rebuilds on
// change, --production minifies.
import * as esbuild from 'esbuild';
import { commonOptions, targets } from './bundles.mjs';

const watch = process.argv.includes('--watch');
const common = commonOptions(process.argv.includes('--production'));

if (watch) {
  for (const t of targets) {
    const ctx = await esbuild.context({ ...common, ...t });
    await ctx.watch();
  }
} else {
  await Promise.all(targets.map((t) => esbuild.build({ ...common, ...t })));
}
