/**
 * The TF.js import facet of an ONNX op: how one node becomes TF.js layers, so an ONNX
 * model can be fine-tuned with PruneLens's trainer and written back (src/core/onnx/import/).
 *
 * TF.js works channels-last. An ONNX value that is an NCHW image is held in TF.js as NHWC
 * (`image`); every other value (a [N, C] matrix, an NHWC tensor of a tf2onnx export) is held
 * as it is (`plain`). A converter gets its inputs in that form and says what its output is.
 */
import type * as tf from '@tensorflow/tfjs';
import type { OnnxIrTensor } from '../../onnx/types';
import type { Shape } from '../types';

/** An ONNX value as TF.js holds it. */
export interface ImportedValue {
  readonly tensor: tf.SymbolicTensor;
  /** `image`: an ONNX NCHW tensor held as NHWC; `plain`: held in ONNX's own axis order. */
  readonly layout: 'image' | 'plain';
}

/**
 * A TF.js weight filled from an initializer, and how to write it back: `toTfjs` turns the
 * initializer's values into the weight's (NCHW to NHWC, OIHW to HWIO), `toOnnx` the reverse.
 */
export interface WeightLink {
  readonly layer: string;
  /** The TF.js weight's short name (`kernel`, `gamma`). */
  readonly weight: string;
  /** The initializer it comes from and goes back to. */
  readonly initializer: string;
  toTfjs(values: Float32Array): Float32Array;
  toOnnx(values: Float32Array): Float32Array;
}

export interface TfjsImportContext {
  /** The node's name (the TF.js layers it becomes are named after it). */
  readonly name: string;
  readonly opType: string;
  readonly config: Readonly<Record<string, unknown>>;
  /** The node's tensor inputs, in order. */
  readonly inputs: readonly ImportedValue[];
  /** ONNX shapes of the tensor inputs and of the first output (batch null). */
  readonly inputShapes: readonly Shape[];
  readonly outputShape: Shape;
  /** The initializer at an input (by its spec name: a weight, or a constant such as a scalar operand), or undefined. */
  weight(name: string): OnnxIrTensor | undefined;
  /** A TF.js layer name derived from the node's, unique in the model. */
  layerName(suffix?: string): string;
  /** Records that a layer's weight comes from an initializer (filled after the model is built). */
  link(link: WeightLink): void;
}

/** Converts one node; throws an import error (see unsupportedImport) for what it cannot express. */
export type TfjsImporter = (ctx: TfjsImportContext) => ImportedValue;

export type TfjsImportFacet = { readonly convert: TfjsImporter } | { readonly unsupported: string };
