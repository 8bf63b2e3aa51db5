/**
 * TF.js layers for what an ONNX model computes and tf.layers has no layer for: a function
 * of the inputs (HardSigmoid with any slope, Sub, a pooling window with explicit padding),
 * an operand that is a constant, and a convolution with groups. They exist to train an
 * imported ONNX model and write it back (importModel.ts), so they are never serialised;
 * their gradients are those of the TF.js ops they call.
 */
import * as tf from '@tensorflow/tfjs';

type Shape = tf.Shape;

function asList(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor[] {
  return Array.isArray(inputs) ? inputs : [inputs];
}

function shapeList(shape: Shape | Shape[]): Shape[] {
  return Array.isArray(shape[0]) ? (shape as Shape[]) : [shape as Shape];
}

/** A layer that computes `fn` of its inputs, its output shape given by `shapeOf`. */
export class FunctionLayer extends tf.layers.Layer {
  static className = 'PruneLensFunction';

  constructor(
    name: string,
    private readonly fn: (inputs: tf.Tensor[]) => tf.Tensor,
    private readonly shapeOf: (inputs: Shape[]) => Shape,
  ) {
    super({ name });
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return this.shapeOf(shapeList(inputShape));
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => this.fn(asList(inputs)));
  }
}

/** Elementwise with numpy broadcasting: the output has each axis's larger size. */
export function broadcastShape(shapes: Shape[]): Shape {
  const rank = Math.max(...shapes.map((s) => s.length));
  return Array.from({ length: rank }, (_, i) => {
    const dims = shapes.map((s) => s[s.length - rank + i]).filter((d): d is number | null => d !== undefined);
    if (dims.some((d) => d === null)) return dims.find((d) => d !== null && d !== 1) ?? null;
    return Math.max(...(dims as number[]));
  });
}

/** One operand a constant (held as a non-trainable weight), the other the layer's input. */
export class ConstantOperandLayer extends tf.layers.Layer {
  static className = 'PruneLensConstantOperand';
  private constant: tf.LayerVariable | undefined;

  constructor(
    name: string,
    private readonly value: tf.Tensor,
    private readonly constantFirst: boolean,
    private readonly op: (a: tf.Tensor, b: tf.Tensor) => tf.Tensor,
  ) {
    super({ name, trainable: false });
  }

  override build(): void {
    this.constant = this.addWeight('constant', this.value.shape, 'float32', tf.initializers.zeros(), undefined, false);
    this.constant.write(this.value);
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return broadcastShape([...shapeList(inputShape), [null, ...this.value.shape.slice(1)]]);
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = asList(inputs)[0] as tf.Tensor;
      const c = (this.constant as tf.LayerVariable).read();
      return this.constantFirst ? this.op(c, x) : this.op(x, c);
    });
  }
}

/** A convolution with `groups` groups (NHWC, 'valid'): group j's filters read group j's input channels. */
export class GroupedConv2DLayer extends tf.layers.Layer {
  static className = 'PruneLensGroupedConv2D';
  private kernel: tf.LayerVariable | undefined;
  private bias: tf.LayerVariable | undefined;

  constructor(
    name: string,
    private readonly opts: { readonly kernelShape: [number, number, number, number]; readonly groups: number; readonly strides: [number, number]; readonly dilations: [number, number]; readonly useBias: boolean },
  ) {
    super({ name });
  }

  override build(): void {
    this.kernel = this.addWeight('kernel', this.opts.kernelShape, 'float32', tf.initializers.zeros());
    if (this.opts.useBias) this.bias = this.addWeight('bias', [this.opts.kernelShape[3]], 'float32', tf.initializers.zeros());
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const [n, h, w] = shapeList(inputShape)[0] as Shape;
    const [kh, kw, , cout] = this.opts.kernelShape;
    const out = (size: number | null | undefined, k: number, s: number, d: number): number | null => (typeof size === 'number' ? Math.floor((size - (k - 1) * d - 1) / s) + 1 : null);
    return [n ?? null, out(h, kh, this.opts.strides[0], this.opts.dilations[0]), out(w, kw, this.opts.strides[1], this.opts.dilations[1]), cout];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = asList(inputs)[0] as tf.Tensor4D;
      const groups = this.opts.groups;
      const xs = tf.split(x, groups, 3);
      const ks = tf.split((this.kernel as tf.LayerVariable).read() as tf.Tensor4D, groups, 3);
      const ys = xs.map((xi, j) => tf.conv2d(xi as tf.Tensor4D, ks[j] as tf.Tensor4D, this.opts.strides, 'valid', 'NHWC', this.opts.dilations));
      const y = groups === 1 ? (ys[0] as tf.Tensor4D) : tf.concat(ys, 3);
      return this.bias === undefined ? y : tf.add(y, this.bias.read());
    });
  }
}
