/**
 * An ONNX model as a ModelHandle, natively: its ModelGraph comes from the ONNX op registry
 * (src/core/graph/fromOnnx.ts), its weights are its initializers, pruning slices them
 * (pruneOnnx.ts), evaluation runs the graph itself on ONNX Runtime (evalGraph.ts), and
 * training goes through TF.js and back (import/). What is written keeps the source's
 * interface, node names, opsets and metadata.
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { tfjsPredictor } from '../eval/evaluate';
import { createGraphEvaluator } from '../eval/ortSession';
import type { Trunk } from '../fast/trunk';
import { graphOfOnnx, type OnnxGraphView } from '../graph/fromOnnx';
import type { ModelHandle } from '../models/modelHandle';
import type { ParamInfo } from '../models/naming';
import { dependencyGraphOf } from '../pruning/dependencyGraph';
import type { DependencyGraph, PrunePlan } from '../pruning/types';
import { writePrunedFolder } from '../pruning/writePruned';
import { checkFiniteInitializers } from './finiteInitializers';
import { PruneLensError } from '../util/errors';
import { classifierInterface, onnxTrunk } from './evalGraph';
import { importOnnxModel, writeBackWeights } from './import/importModel';
import { withInputShape } from './inputShape';
import { prepareOnnxModel } from './loadOnnx';
import { readOnnxFile } from './readOnnx';
import { onnxFingerprint, onnxParams, onnxSummary } from './onnxFacts';
import { maskOnnxModel, pruneOnnxModel, type SlicedWeight } from './pruneOnnx';
import { inferShapes, type ShapeMap } from './shapeInference';
import { defaultOpset, type OnnxIrModel } from './types';
import { writeOnnxFile } from './writeOnnx';

/** Models whose weights reach this many bytes are written with their initializers in a data file beside them. */
const EXTERNAL_DATA_BYTES = 1 << 30;

export interface OnnxModelOptions {
  /** The file it was read from. */
  readonly file?: string;
  /** The file name `save` writes (default: the source's, else model.onnx). */
  readonly fileName?: string;
  /** The initializer slices that made this model from its source (a pruned model). */
  readonly sliced?: readonly SlicedWeight[];
  /** Static shapes of the model's values, when already known. */
  readonly shapes?: ShapeMap;
}

export interface OnnxModelHandle extends ModelHandle {
  /** The cleaned model every facet works on. */
  readonly onnx: OnnxIrModel;
  readonly view: OnnxGraphView;
  readonly shapes: ShapeMap;
  mask(plan: PrunePlan): OnnxModelHandle;
  prune(plan: PrunePlan): OnnxModelHandle;
}

/**
 * Reads, cleans, checks and shape-infers an ONNX file, and opens it. `inputShape` [H, W, C]
 * fixes an input exported with open image sizes (`--input-shape`).
 */
export async function openOnnxModel(file: string, opts: { readonly inputShape?: readonly [number, number, number]; readonly allowNonfinite?: boolean } = {}): Promise<OnnxModelHandle> {
  const read = await readOnnxFile(file);
  if (opts.allowNonfinite !== true) checkFiniteInitializers(read, file);
  const loaded = prepareOnnxModel(opts.inputShape === undefined ? read : withInputShape(read, opts.inputShape));
  return onnxModel(loaded.model, { file, shapes: loaded.shapes });
}

function weightBytes(model: OnnxIrModel): number {
  return model.graph.initializers.reduce((n, t) => n + t.data.byteLength, 0);
}

/** A handle on a cleaned ONNX model. */
export function onnxModel(model: OnnxIrModel, opts: OnnxModelOptions = {}): OnnxModelHandle {
  const shapes = opts.shapes ?? inferShapes(model.graph, { opset: defaultOpset(model) ?? 0, file: model.file });
  const view = graphOfOnnx(model, shapes);
  const fileName = opts.fileName ?? (opts.file !== undefined ? path.basename(opts.file) : 'model.onnx');
  const initializers = new Map(model.graph.initializers.map((t) => [t.name, t]));
  let dependencies: DependencyGraph | undefined;
  let params: ParamInfo[] | undefined;
  let trunk: Trunk | undefined;
  let fingerprint: string | undefined;
  const derived = (next: OnnxIrModel, extra: Omit<OnnxModelOptions, 'fileName' | 'file'> = {}): OnnxModelHandle => onnxModel({ ...next, file: undefined }, { fileName, ...extra });

  const handle: OnnxModelHandle = {
    format: 'onnx',
    name: view.graph.name,
    file: opts.file,
    onnx: model,
    view,
    shapes,
    graph: () => view.graph,
    dependencyGraph: () => (dependencies ??= dependencyGraphOf(view.graph)),
    params: () => (params ??= onnxParams(view)),
    weightValues(layer, weight) {
      const call = view.graph.calls.find((c) => c.name === layer);
      const param = call?.weights.find((w) => w.weight === weight)?.param;
      const t = initializers.get(view.initializerOf.get(param ?? '') ?? '');
      if (t === undefined || !(t.data instanceof Float32Array)) throw new PruneLensError(`node '${layer}' has no float weight '${weight}'`, model.file);
      return { values: t.data, shape: t.dims };
    },
    fingerprint: () => (fingerprint ??= onnxFingerprint(model)),
    summary: (summaryOpts) => onnxSummary(view, summaryOpts),
    input: () => {
      const io = classifierInterface(model, shapes, view.graph);
      const [height, width, channels] = io.imageShape;
      return { height, width, channels, numClasses: io.numClasses };
    },
    onnxProblem: () => undefined,
    evalGraph: () => (trunk ??= onnxTrunk(model, shapes, view.graph, view.callNames)),
    evaluationOnnx() {
      const t = handle.evalGraph();
      return t.encode(t.graph);
    },
    async openPredictor(engine, sessionOpts = {}) {
      if (engine === 'tfjs') {
        const { model: imported } = await handle.trainable();
        const release = (): Promise<void> => {
          imported.dispose();
          return Promise.resolve();
        };
        return { predict: tfjsPredictor(imported), release };
      }
      const t = handle.evalGraph();
      const evaluator = await createGraphEvaluator({ bytes: handle.evaluationOnnx(), inputName: t.inputName, outputName: t.outputName, imageShape: t.imageShape, numClasses: t.numClasses }, sessionOpts);
      return { predict: (x, n) => evaluator.run(x, n), release: () => evaluator.release() };
    },
    mask: (plan) => derived(maskOnnxModel(model, view, handle.dependencyGraph(), plan), { shapes }),
    prune(plan) {
      const pruned = pruneOnnxModel(model, shapes, view, handle.dependencyGraph(), plan);
      return derived(pruned.model, { sliced: pruned.sliced });
    },
    writePruned: (dir, plan, info, writeOpts = {}) =>
      writePrunedFolder(
        dir,
        (temp) => handle.save(temp),
        plan,
        info,
        {
          fingerprint: handle.fingerprint,
          ...(opts.sliced !== undefined ? { weights: opts.sliced } : {}),
        },
        writeOpts.overwrite === true,
      ),
    async save(dir) {
      await fsp.mkdir(dir, { recursive: true });
      const file = path.join(dir, fileName);
      const location = `${fileName}.data`;
      const external = weightBytes(model) >= EXTERNAL_DATA_BYTES;
      await writeOnnxFile(model, file, external ? { externalData: { location } } : {});
      return { file, files: external ? [file, path.join(dir, location)] : [file] };
    },
    async trainable() {
      const imported = importOnnxModel(model, shapes, view);
      return { model: imported.model, back: (trained) => derived(writeBackWeights(model, trained, imported.links), { shapes }) };
    },
    dispose: () => undefined,
  };
  return handle;
}
