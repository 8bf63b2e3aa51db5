/**
 * Pure passes over an exported ONNX graph (plain data, see OnnxGraphBuilder.toGraph) that
 * the fast sensitivity engine needs: multiply mask inputs into chosen values, find what
 * depends on them, and cut the graph into the part upstream of the masks (the same for
 * every pruning ratio) and the part downstream (re-run per ratio).
 *
 * Nothing here knows about layers or channels; names are ONNX value names.
 */
import { PruneLensError } from '../util/errors';
import type { OnnxGraph, OnnxNode, OnnxValueInfo } from '../eval/onnxProto';
import { OnnxDataType } from '../eval/onnxProto';

/** One value to be multiplied by a mask input. */
export interface MaskSite {
  /** The value whose consumers should see it masked. */
  readonly value: string;
  /** The mask input's name; it must not be used in the graph yet. */
  readonly input: string;
  /** The mask input's shape, broadcastable onto the value (e.g. [1, C, 1, 1] for NCHW). */
  readonly shape: readonly number[];
}

function definedNames(graph: OnnxGraph): Set<string> {
  const names = new Set<string>();
  for (const i of graph.inputs) names.add(i.name);
  for (const t of graph.initializers) names.add(t.name);
  for (const n of graph.nodes) for (const o of n.outputs) names.add(o);
  return names;
}

/**
 * A copy of `graph` where every consumer of each site's value (graph outputs included)
 * reads `value * mask` instead. Each Mul is placed right after the value's producer, so
 * the node list stays in topological order.
 */
export function insertMasks(graph: OnnxGraph, sites: readonly MaskSite[]): OnnxGraph {
  const defined = definedNames(graph);
  const renamed = new Map<string, string>();
  // Producer node index (-1: a graph input) -> the Muls to place right after it.
  const extra = new Map<number, OnnxNode[]>();
  const inputs: OnnxValueInfo[] = [...graph.inputs];
  for (const site of sites) {
    if (!defined.has(site.value)) throw new PruneLensError(`internal: no ONNX value "${site.value}" to mask`);
    if (renamed.has(site.value)) throw new PruneLensError(`internal: ONNX value "${site.value}" is masked twice`);
    let masked = `${site.value}/masked`;
    for (let i = 1; defined.has(masked); i++) masked = `${site.value}/masked_${i}`;
    if (defined.has(site.input)) throw new PruneLensError(`internal: mask input name "${site.input}" is taken`);
    defined.add(masked).add(site.input);
    renamed.set(site.value, masked);
    inputs.push({ name: site.input, elemType: OnnxDataType.FLOAT, shape: site.shape });
    const mul: OnnxNode = { opType: 'Mul', inputs: [site.value, site.input], outputs: [masked], name: `${masked}/Mul` };
    const key = graph.nodes.findIndex((n) => n.outputs.includes(site.value));
    extra.set(key, [...(extra.get(key) ?? []), mul]);
  }
  const rename = (v: string): string => renamed.get(v) ?? v;
  const nodes: OnnxNode[] = [...(extra.get(-1) ?? [])];
  graph.nodes.forEach((node, k) => {
    nodes.push({ ...node, inputs: node.inputs.map(rename) });
    nodes.push(...(extra.get(k) ?? []));
  });
  // A masked graph output keeps its name: an Identity would be needed; no exported value
  // is ever a graph output itself (the exporter renames through Identity), so refuse it.
  for (const o of graph.outputs) {
    if (renamed.has(o.name)) throw new PruneLensError(`internal: cannot mask graph output "${o.name}"`);
  }
  return { ...graph, nodes, inputs };
}

/** Every value that depends, through any path, on one of `sources`; the sources included. */
export function dependentValues(graph: OnnxGraph, sources: Iterable<string>): Set<string> {
  const dependent = new Set(sources);
  // Nodes are in topological order, so one forward sweep sees every path.
  for (const node of graph.nodes) {
    if (node.inputs.some((i) => dependent.has(i))) for (const o of node.outputs) dependent.add(o);
  }
  return dependent;
}

/**
 * The values a downstream part needs from upstream: values that do not depend on
 * `sources` but are read by a node that does (an initializer is a constant, not a cut).
 * Graph inputs such as the images are included when a dependent node reads them.
 */
export function cutValues(graph: OnnxGraph, sources: Iterable<string>): string[] {
  const dependent = dependentValues(graph, sources);
  const constants = new Set(graph.initializers.map((t) => t.name));
  const cut: string[] = [];
  for (const node of graph.nodes) {
    if (!node.outputs.some((o) => dependent.has(o))) continue;
    for (const i of node.inputs) {
      if (i !== '' && !dependent.has(i) && !constants.has(i) && !cut.includes(i)) cut.push(i);
    }
  }
  return cut;
}

/**
 * The smallest subgraph that computes `outputs` from `inputs`: nodes are followed back
 * from the outputs and the walk stops at any input (so a value already at hand is never
 * recomputed). Fails when an output needs a value that is neither an input, an
 * initializer, nor computed from them.
 */
export function extractSubgraph(graph: OnnxGraph, name: string, inputs: readonly OnnxValueInfo[], outputs: readonly OnnxValueInfo[]): OnnxGraph {
  const given = new Set(inputs.map((i) => i.name));
  const producer = new Map<string, number>();
  graph.nodes.forEach((n, k) => n.outputs.forEach((o) => producer.set(o, k)));
  const constants = new Map(graph.initializers.map((t) => [t.name, t]));
  const keep = new Set<number>();
  const usedConstants = new Set<string>();
  const usedInputs = new Set<string>();
  const pending = outputs.map((o) => o.name);
  const seen = new Set<string>();
  while (pending.length > 0) {
    const v = pending.pop() as string;
    if (v === '' || seen.has(v)) continue;
    seen.add(v);
    if (given.has(v)) {
      usedInputs.add(v);
      continue;
    }
    if (constants.has(v)) {
      usedConstants.add(v);
      continue;
    }
    const k = producer.get(v);
    if (k === undefined) throw new PruneLensError(`internal: ONNX value "${v}" is needed for ${name} but is neither given nor computed`);
    keep.add(k);
    pending.push(...(graph.nodes[k] as OnnxNode).inputs);
  }
  for (const o of outputs) {
    if (given.has(o.name)) throw new PruneLensError(`internal: ${name} would output its own input "${o.name}"`);
  }
  return {
    name,
    nodes: graph.nodes.filter((_, k) => keep.has(k)),
    initializers: graph.initializers.filter((t) => usedConstants.has(t.name)),
    // Only the inputs the walk reached: ONNX Runtime refuses to be fed a value it does not declare.
    inputs: inputs.filter((i) => usedInputs.has(i.name)),
    outputs: [...outputs],
  };
}
