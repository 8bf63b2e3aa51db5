/**
 * What a document is, from its name and first characters: a TF.js model.json, a
 * sensitivity results file, or anything else (where only quoted names get hovers).
 */
import { looksLikeResultsText } from '../shared/vocabulary';

export type DocumentKind = 'model' | 'results' | 'other';

const HEAD = 2000;

export function documentKind(file: string | undefined, text: string): DocumentKind {
  const head = text.slice(0, HEAD);
  if (looksLikeResultsText(head)) return 'results';
  if (file?.endsWith('.json') && (file.endsWith('model.json') || /"modelTopology"\s*:/.test(head))) return 'model';
  return 'other';
}
