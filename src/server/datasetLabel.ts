/**
 * How results files name their dataset, as the CLI writes it: the --data spec and the
 * split, "builtin:test" or "/data/fashion:test". Pure, so the server can read it back
 * (to extend or re-run a scan) without loading the core's data readers.
 */

export type Split = 'train' | 'test';

export function datasetLabel(spec: string, split: Split): string {
  return `${spec}:${split}`;
}

/** The dataset spec and split back from a label; a label without a split means the test split. */
export function parseDatasetLabel(label: string): { spec: string; split: Split } {
  const match = /^(.*):(train|test)$/.exec(label);
  if (match === null) return { spec: label, split: 'test' };
  return { spec: match[1] as string, split: match[2] as Split };
}
