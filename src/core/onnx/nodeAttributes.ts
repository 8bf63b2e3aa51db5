/**
 * Typed access to a node's attributes with the defaults the ONNX operator specs give. A
 * present attribute of the wrong kind is an error naming the node, rather than a silent
 * default, because it means the file says something PruneLens would misread.
 */
import { PruneLensError } from '../util/errors';
import type { OnnxIrAttribute, OnnxIrNode, OnnxIrTensor } from './types';

type Kind = OnnxIrAttribute['kind'];
type Of<K extends Kind> = Extract<OnnxIrAttribute, { kind: K }>;

/** How a node is named in messages: its name, else its op type and first output. */
export function nodeLabel(node: Pick<OnnxIrNode, 'name' | 'opType' | 'outputs'>): string {
  return node.name !== '' ? `${node.opType} node "${node.name}"` : `${node.opType} node producing "${node.outputs[0] ?? '?'}"`;
}

function find<K extends Kind>(node: OnnxIrNode, name: string, kind: K): Of<K> | undefined {
  const a = node.attributes.find((x) => x.name === name);
  if (a === undefined) return undefined;
  if (a.kind !== kind) throw new PruneLensError(`${nodeLabel(node)}: attribute "${name}" should be ${kind}, is ${a.kind}`);
  return a as Of<K>;
}

export function attrInt(node: OnnxIrNode, name: string, fallback: number): number {
  return find(node, name, 'int')?.value ?? fallback;
}

export function attrFloat(node: OnnxIrNode, name: string, fallback: number): number {
  return find(node, name, 'float')?.value ?? fallback;
}

export function attrString(node: OnnxIrNode, name: string, fallback: string): string {
  return find(node, name, 'string')?.value ?? fallback;
}

export function attrInts(node: OnnxIrNode, name: string): readonly number[] | undefined {
  return find(node, name, 'ints')?.value;
}

export function attrFloats(node: OnnxIrNode, name: string): readonly number[] | undefined {
  return find(node, name, 'floats')?.value;
}

export function attrTensor(node: OnnxIrNode, name: string): OnnxIrTensor | undefined {
  return find(node, name, 'tensor')?.value;
}

/** The node's input at `index`, or undefined when it is absent or left out (""). */
export function optionalInput(node: OnnxIrNode, index: number): string | undefined {
  const name = node.inputs[index];
  return name === undefined || name === '' ? undefined : name;
}
