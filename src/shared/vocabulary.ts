/**
 * The words every front end shares, each defined once: default ratios and thresholds, the
 * criteria, metrics, engines, execution providers, splits, optimizers and zoo models, the
 * `/regex/` filter syntax, how a dataset is labelled in a results file, and how a results
 * file is recognised. The core, the CLI, the language server, the extension and the
 * webview import them from here; test/unit/vocabulary.test.ts checks that package.json's
 * contributed settings agree.
 *
 * This module has no Node imports: it is bundled into the webview.
 */
/** PaddleSlim's default ratios for a sensitivity scan. */
export const DEFAULT_RATIOS: readonly number[] = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9];

/** The loss budget ratios are read at by default (lose at most 1% of the metric). */
export const DEFAULT_LOSS_THRESHOLD = 0.01;

/** Images per batch, as the seed's readers batch them. */
export const DEFAULT_BATCH_SIZE = 128;

/** Quick mode stops a point once its loss interval is at most this wide on each side (0.5 points of loss). */
export const DEFAULT_QUICK_PRECISION = 0.005;

/** Quick mode's intervals hold, all looks at a point together, with at least this probability. */
export const QUICK_CONFIDENCE = 0.95;

/** How channels are ranked; the lowest scores are pruned first. */
export const CRITERIA = ['l1_norm', 'l2_norm', 'geometry_median', 'bn_scale'] as const;
export type Criterion = (typeof CRITERIA)[number];
export const DEFAULT_CRITERION: Criterion = 'l1_norm';

/**
 * What a point's `metric` is: `top1` is top-1 accuracy against the labels; `agreement` is
 * the share of images whose top-1 class matches the unpruned model's (needs no labels).
 */
export const METRICS = ['top1', 'agreement'] as const;
export type MetricName = (typeof METRICS)[number];

/**
 * How a scan measures its points: `fast` computes the network upstream of a group once per
 * group (exact); `ort` evaluates a masked model per point on ONNX Runtime; `tfjs` does so on
 * TF.js, for models the ONNX export cannot convert.
 */
export const SCAN_ENGINES = ['fast', 'ort', 'tfjs'] as const;
export type ScanEngineName = (typeof SCAN_ENGINES)[number];

/** How `eval` runs a model. */
export const EVAL_ENGINES = ['ort', 'tfjs'] as const;
export type EvalEngineName = (typeof EVAL_ENGINES)[number];

/** ONNX Runtime execution providers PruneLens can ask for. */
export const PROVIDERS = ['cpu', 'cuda', 'webgpu'] as const;
export type ProviderName = (typeof PROVIDERS)[number];

/** The TF.js backend to train on: `auto` tries a user-installed tfjs-node(-gpu), then wasm, then cpu. */
export const BACKENDS = ['auto', 'native', 'wasm', 'cpu'] as const;
export type BackendPreference = (typeof BACKENDS)[number];

export const SPLITS = ['train', 'test'] as const;
export type Split = (typeof SPLITS)[number];

export const OPTIMIZERS = ['momentum', 'adam'] as const;
export type OptimizerName = (typeof OPTIMIZERS)[number];

/** The models `zoo:NAME` builds. */
export const ZOO_NAMES = ['mobilenetV1', 'mobilenetV2', 'resnet20', 'resnet18', 'vgg'] as const;
export type ZooName = (typeof ZOO_NAMES)[number];
export const ZOO_PREFIX = 'zoo:';

/** The built-in MNIST digits, as a dataset spec. */
export const BUILTIN_DATASET = 'builtin';

/** Whether `value` is one of `allowed` (and narrows it to that union). */
export function isOneOf<T extends string>(allowed: readonly T[], value: unknown): value is T {
  return typeof value === 'string' && (allowed as readonly string[]).includes(value);
}

/**
 * A parameter filter as every front end takes it: a substring, or a regular expression
 * written /like this/ (flags after the closing slash). An invalid expression throws a
 * SyntaxError whose message names the problem.
 */
export function parseParamFilter(text: string): string | RegExp {
  const regex = /^\/(.+)\/([a-z]*)$/.exec(text);
  if (regex === null) return text;
  return new RegExp(regex[1] as string, regex[2]);
}

/** How results files name their dataset: the dataset spec and the split, "builtin:test". */
export function datasetLabel(spec: string, split: Split): string {
  return `${spec}:${split}`;
}

/** The dataset spec and split back from a label; a label without a split means the test split. */
export function parseDatasetLabel(label: string): { spec: string; split: Split } {
  const match = /^(.*):(train|test)$/.exec(label);
  if (match === null) return { spec: label, split: 'test' };
  return { spec: match[1] as string, split: match[2] as Split };
}

/** The `format` field every results file carries, so a foreign JSON file is never mistaken for one. */
export const RESULTS_FORMAT = 'prunelens-sensitivity';

const FORMAT_IN_HEAD = new RegExp(`"format"\\s*:\\s*"${RESULTS_FORMAT}"`);

/**
 * Whether the first bytes of a JSON text say it is a results file: a results file announces
 * itself near its start, so a workspace scan need not parse every JSON file.
 */
export function looksLikeResultsText(head: string): boolean {
  return FORMAT_IN_HEAD.test(head);
}

/** Whether a parsed JSON value is (claims to be) a results file. */
export function isResultsJson(value: unknown): boolean {
  return typeof value === 'object' && value !== null && (value as Record<string, unknown>)['format'] === RESULTS_FORMAT;
}
