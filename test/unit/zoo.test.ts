/**
 * Every zoo model builds with defaults and with other shapes, outputs logits that depend
 * on the input in inference mode, names every layer explicitly, and is deterministic for
 * a given seed.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { buildModel, ZOO_NAMES } from '../../src/core/models/zoo';
import type { ZooName } from '../../src/core/models/zoo';
import { UsageError } from '../../src/core/util/errors';

before(async () => {
  await tf.setBackend('cpu');
});

function allWeightsEqual(a: tf.LayersModel, b: tf.LayersModel): boolean {
  const wa = a.getWeights();
  const wb = b.getWeights();
  if (wa.length !== wb.length) return false;
  return wa.every((w, i) => {
    const other = wb[i];
    return other !== undefined && tf.util.arraysEqual(w.dataSync(), other.dataSync());
  });
}

describe('zoo', () => {
  it('lists the five models', () => {
    assert.deepEqual([...ZOO_NAMES].sort(), ['mobilenetV1', 'mobilenetV2', 'resnet18', 'resnet20', 'vgg']);
  });

  for (const name of ZOO_NAMES) {
    describe(name, () => {
      it('builds for 28x28x1 with 10 logits that depend on the input in inference mode', () => {
        const model = buildModel(name);
        assert.deepEqual(model.inputs[0]?.shape, [null, 28, 28, 1]);
        assert.deepEqual(model.outputs[0]?.shape, [null, 10]);
        tf.tidy(() => {
          // Noise images of four brightness levels: plainly different inputs.
          const brightness = tf.tensor4d([0.25, 0.5, 0.75, 1], [4, 1, 1, 1]);
          const x = tf.randomUniform([4, 28, 28, 1], 0, 1, 'float32', 3).mul(brightness);
          const y = model.predict(x) as tf.Tensor;
          const values = y.dataSync();
          assert.ok(values.every(Number.isFinite), 'logits are finite');
          // Untrained nets map inputs to similar outputs, but a collapse to a constant
          // (the BatchNorm pitfall) would make this ratio ~0.
          const spread = tf.moments(y, 0).variance.mean().dataSync()[0] ?? 0;
          const power = y.square().mean().dataSync()[0] ?? 0;
          assert.ok(spread / power > 1e-3, `outputs vary with the input (ratio ${spread / power})`);
        });
        model.dispose();
      });

      it('builds for 32x32x3 with 3 classes and a width multiplier', () => {
        const model = buildModel(name, { inputShape: [32, 32, 3], numClasses: 3, widthMultiplier: 0.5 });
        assert.deepEqual(model.inputs[0]?.shape, [null, 32, 32, 3]);
        assert.deepEqual(model.outputs[0]?.shape, [null, 3]);
        model.dispose();
      });

      it('names every layer explicitly', () => {
        const model = buildModel(name);
        // TF.js's automatic names look like `conv2d_Conv2D3`; explicit ones never do.
        const automatic = model.layers.map((l) => l.name).filter((n) => /_[A-Z][A-Za-z0-9]*\d+$/.test(n));
        assert.deepEqual(automatic, []);
        assert.equal(model.layers[0]?.name, 'input');
        model.dispose();
      });

      it('is deterministic for a seed and differs between seeds', () => {
        const a = buildModel(name, { seed: 42, widthMultiplier: 0.25 });
        const b = buildModel(name, { seed: 42, widthMultiplier: 0.25 });
        const c = buildModel(name, { seed: 43, widthMultiplier: 0.25 });
        assert.ok(allWeightsEqual(a, b), 'same seed, same weights');
        assert.ok(!allWeightsEqual(a, c), 'other seed, other weights');
        for (const m of [a, b, c]) m.dispose();
      });
    });
  }

  it('refuses an unknown name, listing the known ones', () => {
    assert.throws(
      () => buildModel('mobilenetV3' as ZooName),
      (err: unknown) =>
        err instanceof UsageError && ZOO_NAMES.every((n) => err.message.includes(n)) && err.message.includes('mobilenetV3'),
    );
  });

  it('refuses options no model can be built from', () => {
    assert.throws(() => buildModel('vgg', { inputShape: [28, 0, 1] }), UsageError);
    assert.throws(() => buildModel('vgg', { inputShape: [28, 28] as unknown as [number, number, number] }), UsageError);
    assert.throws(() => buildModel('vgg', { numClasses: 2.5 }), UsageError);
    assert.throws(() => buildModel('vgg', { seed: Number.NaN }), UsageError);
    assert.throws(() => buildModel('vgg', { widthMultiplier: 0 }), UsageError);
  });
});
