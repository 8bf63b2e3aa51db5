/**
 * The workspace the end-to-end suite opens: a small MobileNetV1 (width 0.25, so that a
 * scan takes seconds) trained for one epoch on the built-in digits, so that pruning has a
 * measurable cost and different loss thresholds pick different ratios. Run as a script
 * (`tsx test/e2e/workspace.ts DIR`) it writes DIR/model/model.json and weights.
 *
 * The in-host tests' workspace also gets a folder of photos-like images (one subfolder per
 * class, JPEG and PNG, RGB, grey and with alpha, odd sizes) for the image-folder jobs.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { quietTfjs, selectBackend } from '../../src/core/backend';
import { loadBuiltinMnist } from '../../src/core/data/builtin';
import { saveModel } from '../../src/core/models/io';
import { buildModel } from '../../src/core/models/zoo';
import { train } from '../../src/core/train/train';
import { writeClassTree } from '../unit/imageFixtures';

export async function writeTrainedModel(root: string): Promise<string> {
  quietTfjs();
  await selectBackend({ prefer: 'wasm' });
  const model = buildModel('mobilenetV1', { widthMultiplier: 0.25, seed: 1 });
  await train(model, loadBuiltinMnist('train'), { epochs: 1, batchSize: 64, seed: 1 });
  const saved = await saveModel(model, path.join(root, 'model'));
  model.dispose();
  // One layer per line, as a person would keep it, so that the editor shows the layer
  // names the hover step points at (the saved file is a single long line).
  const json: unknown = JSON.parse(fs.readFileSync(saved.modelJson, 'utf8'));
  fs.writeFileSync(saved.modelJson, `${JSON.stringify(json, null, 2)}\n`);
  return saved.modelJson;
}

/** The classes of the image folder, and how many images each holds. */
export const IMAGE_CLASSES = ['cat', 'dog', 'fox'];
export const IMAGES_PER_CLASS = 8;

/** Writes DIR/images/<class>/img<i>.<ext>: images of about 70x66 that a 64x64x3 model reads after a resize and centre crop. */
export async function writeImageFolder(root: string): Promise<string> {
  const dir = path.join(root, 'images');
  await writeClassTree(dir, IMAGE_CLASSES, IMAGES_PER_CLASS, { width: 70, height: 66 });
  return dir;
}

if (require.main === module) {
  const root = process.argv[2];
  if (root === undefined) throw new Error('usage: tsx test/e2e/workspace.ts DIR');
  void writeTrainedModel(root).then((file) => console.log(file));
}
