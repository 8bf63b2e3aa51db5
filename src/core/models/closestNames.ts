/**
 * "Did you mean" suggestions for misspelt parameter and layer names, ranked by edit
 * distance. Parameter names are short and a model has at most a few hundred, so the plain
 * quadratic Levenshtein distance is fast enough.
 */

/** Levenshtein distance (insert, delete, substitute; each costs 1). */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      const deletion = (previous[j] ?? 0) + 1;
      const insertion = (current[j - 1] ?? 0) + 1;
      current.push(Math.min(substitution, deletion, insertion));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/** Up to `limit` candidates nearest to `name`; ties keep the candidates' original order. */
export function closestNames(name: string, candidates: readonly string[], limit: number): string[] {
  return candidates
    .map((candidate, index) => ({ candidate, index, distance: editDistance(name, candidate) }))
    .sort((x, y) => x.distance - y.distance || x.index - y.index)
    .slice(0, limit)
    .map((entry) => entry.candidate);
}
