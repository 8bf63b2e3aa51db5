/**
 * The hover text for a layer or parameter: what the layer is, what it costs, how
 * sensitive its channel group measured, which ratio the current loss threshold picks, and
 * what is pruned with it. Pure: the provider gathers the facts, this writes Markdown.
 */
import { ratiosByLoss } from '../shared/ratios';
import { isMeasured, type ResultsGroup, type SensitivityResults } from '../shared/results';
import type { GroupFacts, LayerFacts, ModelFacts } from '../shared/modelFacts';

export interface HoverFacts {
  /** The name under the cursor. */
  readonly name: string;
  readonly model?: ModelFacts;
  readonly layer?: LayerFacts;
  /** The channel group the name's channels follow. */
  readonly groupId?: string;
  /** `stale`: the file was measured on another version of the model (fingerprints differ). */
  readonly results?: { readonly file: string; readonly results: SensitivityResults; readonly stale?: boolean };
  readonly threshold: number;
}

const MAX_LISTED = 6;

function count(n: number): string {
  return n.toLocaleString('en-US');
}

function compact(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)} G`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)} M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} k`;
  return String(n);
}

function percent(x: number, digits = 2): string {
  return `${(100 * x).toFixed(digits)}%`;
}

function shape(dims: readonly (number | null)[]): string {
  return `[${dims.map((d) => (d === null ? 'N' : String(d))).join(', ')}]`;
}

function listed(names: readonly string[]): string {
  const shown = names.slice(0, MAX_LISTED).map((n) => `\`${n}\``);
  return names.length > MAX_LISTED ? `${shown.join(', ')} and ${names.length - MAX_LISTED} more` : shown.join(', ');
}

function layerSection(layer: LayerFacts, model: ModelFacts): string[] {
  const rows = [`**${layer.name}** · ${layer.className}`, '', '| | |', '|---|---|'];
  if (layer.kernelShape) rows.push(`| kernel | ${shape(layer.kernelShape)} |`);
  rows.push(`| output | ${shape(layer.outputShape)} |`);
  rows.push(`| params | ${count(layer.params)} |`);
  if (layer.macs > 0) rows.push(`| MACs | ${count(layer.macs)} (${percent(model.totalMacs > 0 ? layer.macs / model.totalMacs : 0, 1)} of ${compact(model.totalMacs)}) |`);
  if (layer.outChannels !== undefined) rows.push(`| output channels | ${layer.outChannels} |`);
  rows.push('', `Pruning: ${layer.pruning}.`);
  return rows;
}

/** The ratio the loss threshold picks for the group, as ratiosByLoss picks it for the file. */
function chosenRatio(results: SensitivityResults, groupId: string, threshold: number): number | undefined {
  const table: Record<string, number> = {};
  for (const [key, point] of Object.entries(results.points[groupId] ?? {})) if (isMeasured(point)) table[key] = point.loss;
  return ratiosByLoss({ [groupId]: table }, threshold)[groupId];
}

function sensitivitySection(file: string, results: SensitivityResults, groupId: string, threshold: number, stale: boolean): string[] {
  const table = results.points[groupId] ?? {};
  const keys = Object.keys(table).sort((a, b) => Number(a) - Number(b));
  const name = file.split(/[\\/]/).pop() ?? file;
  const warning = stale ? ' ⚠ measured on another version of this model' : '';
  const head = `**Sensitivity** (${name}, ${results.metadata.metric}, ${results.metadata.criterion})${warning}`;
  if (keys.length === 0) return [head, '', '_no points measured yet_'];
  const cells = keys.map((k) => {
    const p = table[k];
    return p === undefined ? '' : isMeasured(p) ? percent(p.loss) : 'skipped';
  });
  const rows = [head, '', `| ratio | ${keys.join(' | ')} |`, `|---|${keys.map(() => '---:').join('|')}|`, `| loss | ${cells.join(' | ')} |`, ''];
  const chosen = chosenRatio(results, groupId, threshold);
  rows.push(chosen === undefined ? `No measured point yet for loss ≤ ${percent(threshold)}.` : `Ratio at loss ≤ ${percent(threshold)}: **${chosen.toFixed(3)}**`);
  return rows;
}

function groupSection(group: GroupFacts | ResultsGroup, members: readonly string[] | undefined): string[] {
  const lines = [`**Channel group** \`${group.id}\` (${group.channels} channels): pruned together with ${listed(group.params)}`];
  const coupled = (members ?? []).filter((m) => !group.params.includes(m));
  if (coupled.length > 0) lines.push('', `Coupled weights: ${listed(coupled)}`);
  if (!group.prunable) lines.push('', `⚠ Not prunable: ${group.reason ?? 'no reason recorded'}`);
  return lines;
}

/** Markdown for the hover, or undefined when nothing is known about the name. */
export function hoverMarkdown(facts: HoverFacts): string | undefined {
  const sections: string[][] = [];
  if (facts.layer && facts.model) sections.push(layerSection(facts.layer, facts.model));
  else sections.push([`**${facts.name}**`]);
  const groupId = facts.groupId;
  if (groupId !== undefined && facts.results) sections.push(sensitivitySection(facts.results.file, facts.results.results, groupId, facts.threshold, facts.results.stale ?? false));
  const modelGroup = facts.model?.groups.find((g) => g.id === groupId);
  const group = modelGroup ?? (groupId !== undefined ? facts.results?.results.groups[groupId] : undefined);
  if (group) sections.push(groupSection(group, modelGroup?.members));
  if (sections.length === 1 && !facts.layer) return undefined;
  return sections.map((s) => s.join('\n')).join('\n\n---\n\n');
}
