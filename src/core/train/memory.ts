/**
 * What a training batch costs in memory, checked before the first step. TF.js's wasm backend
 * (the default for training) has one heap of at most 4 GiB; a batch that does not fit ends
 * the process's wasm module with "RuntimeError: Aborted()", which says nothing of the cause.
 * A step keeps every layer's output for the backward pass, plus gradients and temporaries:
 * measured on MobileNetV1 at 28x28, about 5 times the outputs' bytes (batch 600 trains,
 * 800 aborts). The check uses 4, so it never refuses a batch that trains; one just below the
 * line that still aborts gets the same advice from trainingOutOfMemory.
 */
import type * as tf from '@tensorflow/tfjs';
import { PruneLensError } from '../util/errors';

/** The wasm backend's heap limit (emscripten's getHeapMax in tfjs-backend-wasm). */
export const WASM_HEAP_BYTES = 4294901760;

/** Bytes a training step needs per image, per byte of layer outputs (see the module comment). */
const TRAINING_FACTOR = 4;

/** Float32 bytes of every layer's output for one image. */
export function activationBytesPerImage(model: tf.LayersModel): number {
  let values = 0;
  for (const layer of model.layers) {
    const shapes = (Array.isArray(layer.outputShape[0]) ? layer.outputShape : [layer.outputShape]) as (number | null)[][];
    for (const shape of shapes) values += shape.slice(1).reduce<number>((a, b) => a * (b ?? 1), 1);
  }
  return values * 4;
}

function gib(bytes: number): string {
  return `${(bytes / 2 ** 30).toFixed(1)} GiB`;
}

/** The largest batch that fits the wasm heap by the estimate, at least 1. */
function largestBatch(perImage: number): number {
  return Math.max(1, Math.floor(WASM_HEAP_BYTES / (perImage * TRAINING_FACTOR)));
}

/** Refuses, before training on the wasm backend, a batch size whose step cannot fit its heap. */
export function checkTrainingMemory(model: tf.LayersModel, batchSize: number, backend: string): void {
  if (backend !== 'wasm') return;
  const perImage = activationBytesPerImage(model);
  const needed = perImage * TRAINING_FACTOR * batchSize;
  if (needed > WASM_HEAP_BYTES) {
    throw new PruneLensError(
      `batch size ${batchSize} needs about ${gib(needed)} to train "${model.name}" on the TF.js wasm backend, which has at most ${gib(WASM_HEAP_BYTES)}; use --batch-size ${largestBatch(perImage)} or less (or a native TF.js backend, --tfjs-node)`,
    );
  }
}

/** Whether `err` is the wasm module giving up (out of memory, most likely). */
function isWasmAbort(err: unknown): boolean {
  return err instanceof Error && err.name === 'RuntimeError' && /Aborted\(/.test(err.message);
}

/** `err` as said to the user: a wasm abort becomes advice about the batch size; anything else stays. */
export function trainingOutOfMemory(err: unknown, model: tf.LayersModel, batchSize: number): unknown {
  if (!isWasmAbort(err)) return err;
  return new PruneLensError(
    `the TF.js wasm backend ran out of memory training "${model.name}" at batch size ${batchSize} (its heap holds at most ${gib(WASM_HEAP_BYTES)}); use a smaller --batch-size, e.g. ${Math.max(1, Math.floor(largestBatch(activationBytesPerImage(model)) / 2))}`,
  );
}
