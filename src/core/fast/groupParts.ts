/**
 * One channel group's two ONNX Runtime sessions, created once per group and scan:
 *
 * - the UPSTREAM part computes the "cut": every value the masked part reads that does not
 *   depend on the group's masks (the tensors at the mask points, skip branches that join
 *   later, the images when a branch reads them). It is the same for every ratio, so it
 *   runs once per batch. It starts from whatever is at hand: the images, plus the values
 *   cached for an earlier group, so a downstream group does not recompute the network
 *   from the input (only what lies between the two cuts).
 * - the DOWNSTREAM part takes the cut and the mask inputs and computes the logits; it runs
 *   once per ratio and batch, and contains only nodes that depend on the masked tensors.
 */
import type * as Ort from 'onnxruntime-node';
import type { OnnxGraph, OnnxValueInfo } from '../eval/onnxProto';
import { OnnxDataType } from '../eval/onnxProto';
import { createOrtSession, type OrtSessionOptions } from '../eval/ortSession';
import type { ChannelGroup } from '../pruning';
import { cutValues, extractSubgraph, insertMasks, type MaskSite } from './graphSurgery';
import { maskSites, type Trunk } from './trunk';

export type Feeds = Record<string, Ort.Tensor>;

export interface GroupParts {
  readonly sites: readonly MaskSite[];
  /** Values the downstream part reads besides the masks (may include the images' input). */
  readonly cut: readonly string[];
  /** Bytes one image's cut takes (the images excluded), or undefined when a shape is unknown. */
  readonly cutBytesPerImage: number | undefined;
  /** Computes `cut` values from the images and the given cached values; absent when the cut is all at hand. */
  readonly upstream?: { readonly session: Ort.InferenceSession; readonly inputs: readonly string[]; readonly outputs: readonly string[] };
  readonly downstream: { readonly session: Ort.InferenceSession; readonly inputs: readonly string[] };
  release(): Promise<void>;
}

/** A trunk value as a graph input or output, with its shape when known. */
export function valueInfo(trunk: Trunk, name: string): OnnxValueInfo {
  const shape = trunk.valueShapes.get(name);
  return { name, elemType: OnnxDataType.FLOAT, ...(shape !== undefined ? { shape } : {}) };
}

function bytesPerImage(trunk: Trunk, names: readonly string[]): number | undefined {
  let total = 0;
  for (const name of names) {
    const shape = trunk.valueShapes.get(name);
    if (shape === undefined || shape.slice(1).some((d) => typeof d !== 'number')) return undefined;
    total += 4 * (shape.slice(1) as number[]).reduce((a, b) => a * b, 1);
  }
  return total;
}

/** Where a group's masks go and the values its downstream part reads, before any session exists. */
export interface GroupCut {
  readonly sites: readonly MaskSite[];
  /** The trunk with the group's mask inputs multiplied in. */
  readonly masked: OnnxGraph;
  readonly cut: readonly string[];
  /** Bytes one image's cut takes (the images excluded), or undefined when a shape is unknown. */
  readonly bytesPerImage: number | undefined;
}

/**
 * The bytes of a cut for `images` images when they fit `budget` (the group is then cached),
 * else undefined (it streams; also when a shape is unknown).
 */
export function cachedCutBytes(bytesPerImage: number | undefined, images: number, budget: number): number | undefined {
  if (bytesPerImage === undefined) return undefined;
  const bytes = bytesPerImage * images;
  return bytes <= budget ? bytes : undefined;
}

/**
 * `group`'s mask sites and cut. The cut's size for the whole dataset decides the loop order
 * (groupEvaluation.ts); benchmarks read it to say which groups stream.
 */
export function groupCut(trunk: Trunk, group: ChannelGroup): GroupCut {
  const sites = maskSites(trunk, group);
  const masked = insertMasks(trunk.graph, sites);
  const cut = cutValues(masked, sites.map((s) => s.input));
  return { sites, masked, cut, bytesPerImage: bytesPerImage(trunk, cut.filter((v) => v !== trunk.inputName)) };
}

/**
 * Builds `group`'s parts. `cached` names the values an earlier group left in memory (for
 * every batch); the upstream part may start from them instead of the images.
 */
export async function buildGroupParts(trunk: Trunk, group: ChannelGroup, cached: ReadonlySet<string>, opts: OrtSessionOptions): Promise<GroupParts> {
  const { sites, masked, cut, bytesPerImage: cutBytesPerImage } = groupCut(trunk, group);
  const maskInputs = masked.inputs.filter((i) => sites.some((s) => s.input === i.name));
  const logits = trunk.graph.outputs.find((o) => o.name === trunk.outputName) ?? valueInfo(trunk, trunk.outputName);
  const downGraph = extractSubgraph(masked, `${group.id}/downstream`, [...cut.map((v) => valueInfo(trunk, v)), ...maskInputs], [logits]);
  const toCompute = cut.filter((v) => v !== trunk.inputName && !cached.has(v));
  const sessions: Ort.InferenceSession[] = [];
  try {
    let upstream: GroupParts['upstream'];
    if (toCompute.length > 0) {
      const given = [trunk.inputName, ...cached].map((v) => valueInfo(trunk, v));
      // The unmasked trunk: upstream of the masks the two graphs are the same.
      const upGraph = extractSubgraph(trunk.graph, `${group.id}/upstream`, given, toCompute.map((v) => valueInfo(trunk, v)));
      const session = await createOrtSession(trunk.encode(upGraph), opts);
      sessions.push(session);
      upstream = { session, inputs: upGraph.inputs.map((i) => i.name), outputs: toCompute };
    }
    const session = await createOrtSession(trunk.encode(downGraph), opts);
    sessions.push(session);
    return {
      sites,
      cut,
      cutBytesPerImage,
      ...(upstream !== undefined ? { upstream } : {}),
      downstream: { session, inputs: downGraph.inputs.map((i) => i.name) },
      release: async () => {
        for (const s of sessions.splice(0)) await s.release();
      },
    };
  } catch (e) {
    for (const s of sessions) await s.release();
    throw e;
  }
}
