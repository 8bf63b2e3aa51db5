/**
 * The clean-up every ONNX graph gets before analysis, so that the registry sees the
 * network's own ops only: Constant nodes become initializers, Identity and inference-time
 * Dropout are bypassed, shape sub-graphs are folded to constants (foldConstants.ts), and
 * nodes and initializers nothing reads any more are dropped. Graph input and output names
 * never change. BatchNormalization is left alone (the registry decides what to do with it);
 * the report says how many there are, i.e. whether the exporter folded them into the convs.
 */
import { foldConstants } from './foldConstants';
import { attrTensor, optionalInput } from './nodeAttributes';
import { numberTensor } from './tensorData';
import { defaultOpset, OnnxElem, type OnnxIrGraph, type OnnxIrModel, type OnnxIrNode, type OnnxIrTensor } from './types';

export interface OnnxCleanReport {
  readonly constantsToInitializers: number;
  readonly identitiesRemoved: number;
  readonly dropoutsRemoved: number;
  readonly foldedNodes: number;
  readonly deadNodesRemoved: number;
  readonly initializersRemoved: number;
  /** BatchNormalization nodes left in the graph: 0 when the exporter folded them (or there were none). */
  readonly batchNormNodes: number;
}

export interface CleanedOnnxModel {
  readonly model: OnnxIrModel;
  readonly report: OnnxCleanReport;
}

const isStandard = (n: OnnxIrNode): boolean => n.domain === '' || n.domain === 'ai.onnx';

/** The tensor a Constant node holds, named after its output; undefined for sparse or odd forms. */
function constantValue(node: OnnxIrNode): OnnxIrTensor | undefined {
  const out = node.outputs[0] as string;
  const t = attrTensor(node, 'value');
  if (t !== undefined) return { ...t, name: out };
  const a = node.attributes[0];
  if (node.attributes.length !== 1 || a === undefined) return undefined;
  if (a.name === 'value_int' && a.kind === 'int') return numberTensor(out, OnnxElem.INT64, [], [a.value]);
  if (a.name === 'value_ints' && a.kind === 'ints') return numberTensor(out, OnnxElem.INT64, [a.value.length], a.value);
  if (a.name === 'value_float' && a.kind === 'float') return numberTensor(out, OnnxElem.FLOAT, [], [a.value]);
  if (a.name === 'value_floats' && a.kind === 'floats') return numberTensor(out, OnnxElem.FLOAT, [a.value.length], a.value);
  return undefined;
}

function constantsToInitializers(graph: OnnxIrGraph): { graph: OnnxIrGraph; count: number } {
  const added: OnnxIrTensor[] = [];
  const outputs = new Set(graph.outputs.map((o) => o.name));
  const nodes = graph.nodes.filter((n) => {
    if (!isStandard(n) || n.opType !== 'Constant' || outputs.has(n.outputs[0] ?? '')) return true;
    const t = constantValue(n);
    if (t !== undefined) added.push(t);
    return t === undefined;
  });
  return { graph: { ...graph, nodes, initializers: [...graph.initializers, ...added] }, count: added.length };
}

/** Whether a node only passes its first input through at inference. */
function isPassThrough(n: OnnxIrNode, initializers: ReadonlyMap<string, OnnxIrTensor>): boolean {
  if (!isStandard(n)) return false;
  if (n.opType === 'Identity') return true;
  if (n.opType !== 'Dropout' || (n.outputs[1] ?? '') !== '') return false;
  // Dropout is the identity unless its training_mode input is a true constant (or computed).
  const mode = optionalInput(n, 2);
  if (mode === undefined) return true;
  const t = initializers.get(mode);
  return t !== undefined && t.data.length === 1 && Number(t.data[0]) === 0;
}

/**
 * Bypasses Identity and Dropout: readers of the output read the input instead. When the
 * output is a graph output, the producer of the input is renamed to it instead, so the
 * interface keeps its names; when that is impossible (the input is itself a graph input,
 * initializer or output) the node stays.
 */
function removePassThroughs(graph: OnnxIrGraph): { graph: OnnxIrGraph; identities: number; dropouts: number } {
  const inits = new Map(graph.initializers.map((t) => [t.name, t]));
  const fixed = new Set([...graph.inputs.map((v) => v.name), ...inits.keys(), ...graph.outputs.map((v) => v.name)]);
  const graphOutputs = new Set(graph.outputs.map((v) => v.name));
  const rename = new Map<string, string>();
  const resolve = (v: string): string => rename.get(v) ?? v;
  let nodes: OnnxIrNode[] = [];
  let identities = 0;
  let dropouts = 0;
  for (const node of graph.nodes) {
    const n = { ...node, inputs: node.inputs.map(resolve) };
    const input = n.inputs[0] ?? '';
    const output = n.outputs[0] ?? '';
    if (!isPassThrough(n, inits) || input === '') {
      nodes.push(n);
      continue;
    }
    if (!graphOutputs.has(output)) rename.set(output, input);
    else if (!fixed.has(input) && nodes.some((p) => p.outputs.includes(input))) {
      // Rename the producer's output (and its readers so far) to the graph output's name.
      nodes = nodes.map((p) => ({ ...p, inputs: p.inputs.map((v) => (v === input ? output : v)), outputs: p.outputs.map((v) => (v === input ? output : v)) }));
      rename.set(input, output);
    } else {
      nodes.push(n);
      continue;
    }
    if (n.opType === 'Identity') identities++;
    else dropouts++;
  }
  return { graph: { ...graph, nodes }, identities, dropouts };
}

/** Drops nodes whose outputs nobody reads and initializers no node reads. */
function removeUnused(graph: OnnxIrGraph): { graph: OnnxIrGraph; nodes: number; initializers: number } {
  const used = new Set(graph.outputs.map((o) => o.name));
  const keep: OnnxIrNode[] = [];
  for (let k = graph.nodes.length - 1; k >= 0; k--) {
    const n = graph.nodes[k] as OnnxIrNode;
    if (!n.outputs.some((o) => used.has(o))) continue;
    keep.push(n);
    for (const i of n.inputs) used.add(i);
  }
  keep.reverse();
  const initializers = graph.initializers.filter((t) => used.has(t.name));
  return {
    graph: { ...graph, nodes: keep, initializers },
    nodes: graph.nodes.length - keep.length,
    initializers: graph.initializers.length - initializers.length,
  };
}

/** Cleans a model's graph for analysis (see the file comment); the input model is not changed. */
export function cleanOnnxModel(model: OnnxIrModel): CleanedOnnxModel {
  const opset = defaultOpset(model) ?? 0;
  const constants = constantsToInitializers(model.graph);
  const passed = removePassThroughs(constants.graph);
  const folded = foldConstants(passed.graph, opset, model.file);
  const unused = removeUnused(folded.graph);
  const graph = unused.graph;
  return {
    model: { ...model, graph },
    report: {
      constantsToInitializers: constants.count,
      identitiesRemoved: passed.identities,
      dropoutsRemoved: passed.dropouts,
      foldedNodes: folded.foldedNodes,
      deadNodesRemoved: unused.nodes,
      initializersRemoved: unused.initializers,
      batchNormNodes: graph.nodes.filter((n) => isStandard(n) && n.opType === 'BatchNormalization').length,
    },
  };
}
