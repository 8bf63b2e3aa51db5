/**
 * What is known about a model without holding TF.js: per-layer facts, parameter names and
 * channel groups, computed once by the describe job (src/core/jobs/describeJob.ts) in a
 * worker process. The language server caches them (src/server/modelIndex.ts) for hover and
 * diagnostics; `prunelens info`, `flops` and `params` print them.
 */

export interface LayerFacts {
  readonly name: string;
  readonly className: string;
  /** What pruning does to the layer, from its class's registry entry (src/core/layers). */
  readonly pruning: string;
  /** Output shape of the layer's first call, batch dimension null. */
  readonly outputShape: readonly (number | null)[];
  readonly params: number;
  /** Multiply-accumulates per image (convs and Dense only, PaddleSlim's `flops()`). */
  readonly macs: number;
  /** The kernel parameter the layer's MACs are listed under (`conv1_weights`), if it has a kernel. */
  readonly kernelParam?: string;
  /** Shape of the kernel (Conv2D, DepthwiseConv2D, Dense), absent for other layers. */
  readonly kernelShape?: readonly number[];
  /** Output channels of the kernel, or the channels the layer carries. */
  readonly outChannels?: number;
  /** PaddleSlim names of the layer's weights, e.g. conv1_weights, conv1_bn_scale. */
  readonly paramNames: readonly string[];
  /** TF.js manifest names of the same weights, e.g. conv1/kernel; ONNX initializer names. */
  readonly variablePaths: readonly string[];
}

export interface GroupFacts {
  readonly id: string;
  readonly params: readonly string[];
  readonly channels: number;
  readonly prunable: boolean;
  readonly reason?: string;
  /** Every coupled weight (BN scales, depthwise kernels, next layers' inputs). */
  readonly members: readonly string[];
  /** Layers whose output carries the group's channels, in network order. */
  readonly layers: readonly string[];
}

export interface ParamFacts {
  readonly name: string;
  readonly layer: string;
  readonly layerClass: string;
  readonly shape: readonly number[];
  /** A conv kernel, which a sensitivity scan can analyse. */
  readonly analysable: boolean;
  readonly outChannels?: number;
  /** The group the parameter's channels follow, when exactly one. */
  readonly group?: string;
}

export interface ModelFacts {
  /** Absolute path of the model file described: a model.json, or a .onnx file. */
  readonly modelJson: string;
  /** The model's format when it is not TF.js Layers: `onnx` (layers are then ONNX nodes). */
  readonly format?: 'onnx';
  readonly name: string;
  /** sha256 as src/core/models/fingerprint.ts computes it; results files record the same. */
  readonly fingerprint: string;
  readonly totalParams: number;
  readonly trainableParams: number;
  /** MACs per image; with `allLayerMacs`, PaddleSlim's `only_conv=False` count was asked for. */
  readonly totalMacs: number;
  readonly allLayerMacs?: boolean;
  readonly layers: readonly LayerFacts[];
  readonly params: readonly ParamFacts[];
  readonly groups: readonly GroupFacts[];
}
