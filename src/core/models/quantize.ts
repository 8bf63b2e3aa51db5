/**
 * Writing weights quantized the way `tensorflowjs_converter --quantize_uint8 / uint16 /
 * float16` does, so that a model read from quantized weights can be written back the same
 * way (`prunelens prune --keep-quantization`) and stock TF.js reads it: uint8 and uint16 are
 * affine (value = q * scale + min, min and scale per weight), float16 is IEEE half precision.
 */
import type * as tf from '@tensorflow/tfjs';
import type { QuantizationDtype } from './modelJson';

const LEVELS: Readonly<Record<'uint8' | 'uint16', number>> = { uint8: 255, uint16: 65535 };

/** IEEE 754 half precision of a float32, rounded to nearest even, as 16 bits. */
export function toFloat16(value: number): number {
  const f32 = new Float32Array([value]);
  const bits = new Uint32Array(f32.buffer)[0] as number;
  const sign = (bits >>> 16) & 0x8000;
  const exponent = (bits >>> 23) & 0xff;
  let mantissa = bits & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa !== 0 ? 0x200 : 0); // Inf, NaN
  let e = exponent - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00; // overflow to infinity
  if (e <= 0) {
    // Subnormal half (or zero): shift the implicit 1 in, round to nearest even.
    if (e < -10) return sign;
    mantissa |= 0x800000;
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    let m = mantissa >>> shift;
    const rest = mantissa & ((1 << shift) - 1);
    if (rest > half || (rest === half && (m & 1) === 1)) m++;
    return sign | m;
  }
  let m = mantissa >>> 13;
  const rest = mantissa & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && (m & 1) === 1)) {
    m++;
    if (m === 0x400) {
      m = 0;
      e++;
      if (e >= 0x1f) return sign | 0x7c00;
    }
  }
  return sign | (e << 10) | m;
}

function quantizeOne(values: Float32Array, dtype: QuantizationDtype): { bytes: Uint8Array; quantization: NonNullable<tf.io.WeightsManifestEntry['quantization']> } {
  if (dtype === 'float16') {
    const out = new Uint16Array(values.length);
    for (let i = 0; i < values.length; i++) out[i] = toFloat16(values[i] as number);
    return { bytes: new Uint8Array(out.buffer), quantization: { dtype } };
  }
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (values.length === 0) min = max = 0;
  const levels = LEVELS[dtype];
  const scale = max > min ? (max - min) / levels : 1;
  const out = dtype === 'uint8' ? new Uint8Array(values.length) : new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = Math.min(levels, Math.max(0, Math.round(((values[i] as number) - min) / scale)));
  return { bytes: new Uint8Array(out.buffer), quantization: { dtype, scale, min } };
}

/**
 * The float32 weights named in `want` quantized as it says; the others as they are. `data`
 * holds the weights in `specs` order, unquantized (as TF.js saves a model).
 */
export function quantizeWeights(specs: readonly tf.io.WeightsManifestEntry[], data: Uint8Array, want: ReadonlyMap<string, QuantizationDtype>): { specs: tf.io.WeightsManifestEntry[]; data: Uint8Array } {
  const parts: Uint8Array[] = [];
  const out: tf.io.WeightsManifestEntry[] = [];
  let offset = 0;
  for (const spec of specs) {
    const count = spec.shape.reduce((n, d) => n * d, 1);
    const bytes = data.subarray(offset, offset + count * 4);
    offset += count * 4;
    const dtype = want.get(spec.name);
    if (dtype === undefined || spec.dtype !== 'float32') {
      parts.push(bytes);
      out.push(spec);
      continue;
    }
    const q = quantizeOne(new Float32Array(bytes.slice().buffer), dtype);
    parts.push(q.bytes);
    out.push({ ...spec, quantization: q.quantization });
  }
  const joined = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of parts) {
    joined.set(p, at);
    at += p.byteLength;
  }
  return { specs: out, data: joined };
}
