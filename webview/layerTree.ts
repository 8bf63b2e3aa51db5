/**
 * The layer tree: one item per coupled channel group (the unit that is pruned and
 * measured), its member kernels under it, each described by its channels, weights and MACs
 * (before -> after the chosen ratios) and the ratio the budget picks, which stands at the
 * right edge (the item's decoration), where a long name can never push it out of sight; the
 * description may shorten, the tooltip has every figure. Selecting an item
 * selects its group in the heatmap and the curves; double-clicking a member opens its
 * layer in the model file.
 *
 * The items are rebuilt only when the groups change, so expanding, focus and scrolling
 * survive live points and threshold moves; descriptions are rewritten in place.
 */
import '@vscode-elements/elements/dist/vscode-tree/index.js';
import '@vscode-elements/elements/dist/vscode-tree-item/index.js';
import type { VscodeTreeItem } from '@vscode-elements/elements/dist/vscode-tree-item/vscode-tree-item.js';
import { prunedChannelCount, type LayerCost } from '../src/shared/flops';
import { h } from './dom';
import { formatCount, formatRatio } from '../src/shared/format';
import type { ReportData, ReportRow } from './reportData';
import type { ReportSnapshot } from './state';

interface ItemParts {
  readonly item: VscodeTreeItem;
  readonly description: HTMLElement;
  readonly decoration: HTMLElement;
}

interface Totals {
  readonly macs: { before: number; after: number };
  readonly weights?: { before: number; after: number };
}

/** The MACs and weights of `params`' layers added up, before and after the ratios on screen. */
function totals(params: readonly string[], data: ReportData, layers: ReadonlyMap<string, LayerCost> | undefined): Totals | undefined {
  const macs = { before: 0, after: 0 };
  const weights = { before: 0, after: 0 };
  let found = false;
  for (const p of params) {
    const layer = data.layerOfParam.get(p);
    const c = layer === undefined ? undefined : layers?.get(layer.name);
    if (c === undefined) continue;
    found = true;
    macs.before += c.macs.before;
    macs.after += c.macs.after;
    weights.before += c.params?.before ?? 0;
    weights.after += c.params?.after ?? 0;
  }
  if (!found) return undefined;
  return { macs, ...(data.hasParams ? { weights } : {}) };
}

/** "12.3k" when nothing changes, "12.3k → 8.1k" otherwise. */
function change(v: { before: number; after: number }): string {
  return v.after === v.before ? formatCount(v.before) : `${formatCount(v.before)} → ${formatCount(v.after)}`;
}

interface Described {
  /** The item's right-hand figure: the chosen ratio, or why there is none. */
  readonly ratio?: string;
  readonly short: string;
  readonly long: string;
}

/**
 * A short description (what is left after pruning) for the row, and the whole story
 * (before -> after) for its tooltip: the pane is narrow, the tooltip is not.
 */
function describe(parts: { ratio?: string; channels?: { before: number; after: number } }, t: Totals | undefined, note?: string): Described {
  const short = [
    parts.channels && `${parts.channels.after}/${parts.channels.before} ch`,
    t?.weights && `${formatCount(t.weights.after)} params`,
    t && `${formatCount(t.macs.after)} MACs`,
    note,
  ];
  const long = [
    parts.ratio,
    parts.channels && `channels ${change(parts.channels)}`,
    t?.weights && `params ${change(t.weights)}`,
    t && `MACs ${change(t.macs)}`,
    note,
  ];
  return { ...(parts.ratio !== undefined ? { ratio: parts.ratio } : {}), short: short.filter(Boolean).join(' · '), long: long.filter(Boolean).join('\n') };
}

function groupDescription(row: ReportRow, data: ReportData, snap: ReportSnapshot): Described {
  const t = totals(row.params, data, snap.computed?.layers);
  if (!row.prunable) return describe({ ratio: 'not prunable', channels: { before: row.channels, after: row.channels } }, t, row.reason ? `not prunable: ${row.reason}` : undefined);
  const ratio = snap.computed?.groupRatios[row.group];
  const kept = ratio === undefined ? row.channels : row.channels - prunedChannelCount(row.channels, ratio);
  return describe({ ratio: ratio === undefined ? 'no points yet' : `ratio ${formatRatio(ratio)}`, channels: { before: row.channels, after: kept } }, t);
}

function structureOf(data: ReportData): string {
  return data.rows.map((r) => `${r.group}:${r.params.join('+')}`).join(',');
}

export class LayerTree {
  private readonly tree: HTMLElement;
  private structure = '';
  private groups = new Map<string, ItemParts>();
  private members: { param: string; row: ReportRow; parts: ItemParts }[] = [];

  constructor(
    container: HTMLElement,
    private readonly onSelect: (group: string) => void,
    private readonly onReveal: (param: string) => void,
  ) {
    this.tree = h('vscode-tree', { 'aria-label': 'Channel groups and their layers', 'indent-guides': 'onHover' });
    this.tree.addEventListener('vsc-tree-select', (e) => {
      // The event's detail is the selected items (2.x declares an object around them; accept both).
      const detail = (e as CustomEvent<VscodeTreeItem[] | { selectedItems?: VscodeTreeItem[] } | undefined>).detail;
      const items = Array.isArray(detail) ? detail : (detail?.selectedItems ?? []);
      const group = items[0]?.dataset['group'];
      if (group !== undefined) this.onSelect(group);
    });
    container.append(this.tree);
  }

  render(snap: ReportSnapshot): void {
    const data = snap.data;
    if (data === undefined) {
      this.tree.replaceChildren();
      this.structure = '';
      return;
    }
    const structure = structureOf(data);
    if (structure !== this.structure) this.build(data);
    this.structure = structure;
    this.updateRatios(snap);
    this.updateSelection(snap.selected);
  }

  private item(label: string, group: string, param?: string): ItemParts {
    const description = h('span', { slot: 'description' });
    const decoration = h('span', { slot: 'decoration', class: 'ratio' });
    const item = h('vscode-tree-item', { 'data-group': group, ...(param !== undefined ? { 'data-param': param } : {}) }, label, description, decoration) as VscodeTreeItem;
    if (param !== undefined) item.addEventListener('dblclick', () => this.onReveal(param));
    return { item, description, decoration };
  }

  private build(data: ReportData): void {
    this.groups = new Map();
    this.members = [];
    const items = data.rows.map((row) => {
      // A group of one kernel is a leaf: the group and its only member are the same thing. A
      // coupled group is a branch, its members under it.
      const parts = this.item(row.group, row.group, row.params.length > 1 ? undefined : row.group);
      if (!row.prunable) parts.item.classList.add('unprunable');
      if (row.params.length > 1) {
        parts.item.branch = true;
        for (const param of row.params) {
          const member = this.item(param, row.group, param);
          parts.item.append(member.item);
          this.members.push({ param, row, parts: member });
        }
      }
      this.groups.set(row.group, parts);
      return parts.item;
    });
    this.tree.replaceChildren(...items);
  }

  updateRatios(snap: ReportSnapshot): void {
    const data = snap.data;
    if (data === undefined) return;
    const show = (parts: ItemParts, text: Described, name: string): void => {
      parts.description.textContent = text.short;
      parts.decoration.textContent = text.ratio ?? '';
      parts.item.title = `${name}\n${text.long}`;
    };
    for (const row of data.rows) {
      const parts = this.groups.get(row.group);
      if (parts !== undefined) show(parts, groupDescription(row, data, snap), row.params.length > 1 ? `${row.group}, pruned with ${row.params.slice(1).join(', ')}` : row.group);
    }
    for (const { param, parts } of this.members) {
      const layer = data.layerOfParam.get(param);
      show(parts, describe({}, totals([param], data, snap.computed?.layers), layer?.className), `${param} (double-click: open in the model file)`);
    }
  }

  updateSelection(selected: string | undefined): void {
    for (const [group, parts] of this.groups) {
      const on = group === selected;
      parts.item.classList.toggle('is-selected', on);
      if (on && !parts.item.selected) {
        parts.item.selected = true;
        parts.item.scrollIntoView({ block: 'nearest' });
      } else if (!on && parts.item.selected) {
        parts.item.selected = false;
      }
    }
  }
}
