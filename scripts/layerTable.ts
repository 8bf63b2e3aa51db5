/**
 * Prints the tables of supported layer classes and ONNX operators for docs/models.md from
 * the registries (src/core/layers/registry.ts, src/core/layers/onnx/registry.ts), so the
 * document says what the code does:
 *
 *   npx tsx scripts/layerTable.ts        # TF.js layer classes
 *   npx tsx scripts/layerTable.ts onnx   # ONNX operators
 */
import { ONNX_OPS } from '../src/core/layers/onnx/registry';
import { LAYER_CLASSES } from '../src/core/layers/registry';
import type { MacsFacet, WeightRole } from '../src/core/layers/types';

function macsOf(weights: readonly WeightRole[], macs: MacsFacet): string {
  const kernel = weights.some((f) => f.outChannels !== undefined);
  return kernel ? 'counted' : macs.elementwise !== undefined ? 'all-layers count only' : 'none';
}

function layerTable(): string[] {
  const rows = [...LAYER_CLASSES.values()].map((c) => {
    const weights = Object.entries(c.weights).map(([w, f]) => `\`${w}\` → \`${f.suffix}\``).join(', ') || '—';
    const onnx = 'unsupported' in c.onnx ? `no: ${c.onnx.unsupported}` : 'yes';
    return `| ${c.className} | ${c.pruning} | ${weights} | ${c.width === undefined ? '—' : `\`${c.width}\``} | ${macsOf(Object.values(c.weights), c.macs)} | ${onnx} |`;
  });
  return ['| class | what pruning does | weights → parameter suffix | width setting | MACs | ONNX export |', '|---|---|---|---|---|---|', ...rows];
}

function onnxTable(): string[] {
  const rows = [...ONNX_OPS.values()].map((c) => {
    const weights = Object.entries(c.weights).map(([w, f]) => `\`${w}\`${f.stateDict === undefined ? '' : ` (\`.${f.stateDict}\`)`}`).join(', ') || '—';
    const tfjs = 'unsupported' in c.tfjs ? `no: ${c.tfjs.unsupported}` : 'yes';
    return `| ${c.className} | ${c.pruning} | ${weights} | ${macsOf(Object.values(c.weights), c.macs)} | ${c.rewrite === undefined ? '—' : 'yes'} | ${tfjs} |`;
  });
  return ['| op | what pruning does | weights (state_dict suffix) | MACs | node rewritten | TF.js import |', '|---|---|---|---|---|---|', ...rows];
}

console.log((process.argv[2] === 'onnx' ? onnxTable() : layerTable()).join('\n'));
