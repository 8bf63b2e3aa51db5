/**
 * The hover text for a layer or parameter: what the layer is, what it costs, which ratio
 * the current loss budget picks and how sensitive its channel group measured, and what is
 * pruned with it. Pure: the provider gathers the facts, this writes Markdown.
 *
 * It is kept short: the editor's hover is about 250 px high at the default window size and
 * scrolls beyond that, so the layer's facts take two lines, the ratio at the budget leads
 * its section, and the group is one line. Numbers use the shared format (src/shared/format.ts).
 */
import { formatCount, formatInterval, formatLoss, formatPercent, formatRatio, ESTIMATE_MARK, listed } from '../shared/format';
import { ratiosByLoss } from '../shared/ratios';
import { isMeasured, isQuick, type ResultsGroup, type SensitivityResults } from '../shared/results';
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
/** The coupled weights (BatchNorm's four per conv, biases) are many and matter less: fewer are named. */
const MAX_COUPLED_LISTED = 3;

function shape(dims: readonly (number | null)[]): string {
  return `[${dims.map((d) => (d === null ? 'N' : String(d))).join(', ')}]`;
}

function codeList(names: readonly string[], max = MAX_LISTED): string {
  return listed(names.map((n) => `\`${n}\``), max, ', ');
}

function layerSection(layer: LayerFacts, model: ModelFacts): string[] {
  const what = [`**${layer.name}** · ${layer.className}`, layer.kernelShape && `kernel ${shape(layer.kernelShape)}`, `output ${shape(layer.outputShape)}`];
  const share = model.totalMacs > 0 ? layer.macs / model.totalMacs : 0;
  const cost = [
    `${formatCount(layer.params)} params`,
    layer.macs > 0 && `${formatCount(layer.macs)} MACs (${formatPercent(share)} of ${formatCount(model.totalMacs)})`,
    layer.outChannels !== undefined && `${layer.outChannels} output channels`,
  ];
  // Three lines: Markdown line breaks (two spaces) between them, not paragraphs.
  return [`${what.filter(Boolean).join(' · ')}  `, `${cost.filter(Boolean).join(' · ')}  `, `_Pruning: ${layer.pruning}._`];
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
  const source = `**Sensitivity** (${name}, ${results.metadata.metric}, ${results.metadata.criterion})${warning}`;
  if (keys.length === 0) return [source, '', '_no points measured yet_'];
  const cells = keys.map((k) => {
    const p = table[k];
    return p === undefined ? '' : isMeasured(p) ? formatLoss(p) : 'skipped';
  });
  const chosen = chosenRatio(results, groupId, threshold);
  const head = chosen === undefined ? `No measured point yet for loss ≤ ${formatPercent(threshold)}` : `Ratio at loss ≤ ${formatPercent(threshold)}: **${formatRatio(chosen)}**`;
  const lines = [`${head} · ${source}`, '', `| ratio | ${keys.map((k) => formatRatio(Number(k))).join(' | ')} |`, `|---|${keys.map(() => '---:').join('|')}|`, `| loss | ${cells.join(' | ')} |`];
  // Quick estimates get a row of their intervals, and a line saying what the mark means.
  const quick = keys.map((k) => table[k]).map((p) => (p !== undefined && isQuick(p) ? p.quick : undefined));
  const first = quick.find((q) => q !== undefined);
  if (first === undefined) return lines;
  lines.push(`| ${formatPercent(first.confidence, 0)} interval | ${quick.map((q) => (q ? formatInterval(q) : '')).join(' | ')} |`);
  return [...lines, '', `_${ESTIMATE_MARK} quick estimate from some of the ${results.metadata.dataset.count} images; an exact scan replaces it._`];
}

function groupSection(group: GroupFacts | ResultsGroup, members: readonly string[] | undefined): string[] {
  const others = group.params.filter((p) => p !== group.id);
  const lines = [`**Channel group** \`${group.id}\` (${group.channels} channels)${others.length > 0 ? `, pruned with ${codeList(others)}` : ''}  `];
  const coupled = (members ?? []).filter((m) => !group.params.includes(m));
  if (coupled.length > 0) lines.push(`coupled weights: ${codeList(coupled, MAX_COUPLED_LISTED)}  `);
  if (!group.prunable) lines.push(`⚠ Not prunable: ${group.reason ?? 'no reason recorded'}`);
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
