/**
 * Plain-text tables of a model's facts (the describe job's output) for `prunelens info`,
 * `flops` and `params`.
 */
import type { LayerFacts, ModelFacts } from '../shared/modelFacts';

function table(header: readonly string[], rows: readonly (readonly string[])[], rightFrom: number): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => (i >= rightFrom ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0))).join('  ').trimEnd();
  return [line(header), ...rows.map(line)];
}

function shape(dims: readonly (number | null)[]): string {
  return `[${dims.map((d) => (d === null ? 'N' : String(d))).join(',')}]`;
}

/** Layers, output shapes, parameters and MACs, with the totals. */
export function summaryTable(facts: ModelFacts): string[] {
  const rows = facts.layers.map((l) => [l.name, l.className, shape(l.outputShape), String(l.params), String(l.macs)]);
  return [
    ...table(['layer', 'class', 'output', 'params', 'MACs'], rows, 3),
    `total params ${facts.totalParams} (trainable ${facts.trainableParams}), total MACs ${facts.totalMacs}`,
  ];
}

/** PaddleSlim's flops(detail=True): MACs per kernel parameter (per layer when it has none). */
export function macsTable(facts: ModelFacts): string[] {
  const counted = facts.layers.filter((l: LayerFacts) => l.macs > 0);
  const rows = counted.map((l) => [l.kernelParam ?? l.name, l.className, String(l.macs), `${((100 * l.macs) / Math.max(1, facts.totalMacs)).toFixed(1)}%`]);
  return table(['param', 'class', 'MACs', 'share'], rows, 2);
}
