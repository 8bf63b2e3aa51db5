/**
 * Prints the table of supported layer classes for docs/models.md from the registry
 * (src/core/layers/registry.ts), so the document says what the code does:
 *
 *   npx tsx scripts/layerTable.ts
 */
import { LAYER_CLASSES } from '../src/core/layers/registry';

const rows = [...LAYER_CLASSES.values()].map((c) => {
  const weights = Object.entries(c.weights).map(([w, f]) => `\`${w}\` → \`${f.suffix}\``).join(', ') || '—';
  const kernel = Object.values(c.weights).some((f) => f.outChannels !== undefined);
  const macs = kernel ? 'counted' : c.macs.elementwise !== undefined ? 'all-layers count only' : 'none';
  const onnx = 'unsupported' in c.onnx ? `no: ${c.onnx.unsupported}` : 'yes';
  return `| ${c.className} | ${c.pruning} | ${weights} | ${c.width === undefined ? '—' : `\`${c.width}\``} | ${macs} | ${onnx} |`;
});
console.log(['| class | what pruning does | weights → parameter suffix | width setting | MACs | ONNX export |', '|---|---|---|---|---|---|', ...rows].join('\n'));
