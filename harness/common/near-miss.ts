/**
 * "Did you mean": the candidate a typo most likely meant. One copy for every reader of user
 * input that names things (config keys and values, kickstart variables and fields).
 *
 * harness/common/ holds small pieces every layer may use; this one imports nothing.
 */

/** Levenshtein distance, case-insensitive (a key typed with the wrong case is still that key). */
export function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++)
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1].toLowerCase() === b[j - 1].toLowerCase() ? 0 : 1));
  return d[a.length][b.length];
}

/** The candidate a typo most likely meant: a close spelling, or the one candidate the word abbreviates ("jwtTtl"). */
export function nearest(word: string, candidates: readonly string[]): string | undefined {
  const near = [...candidates].sort((x, y) => editDistance(word, x) - editDistance(word, y))[0];
  if (near !== undefined && editDistance(word, near) <= Math.max(2, Math.floor(word.length / 3))) return near;
  const prefixed = candidates.filter((c) => word.length >= 4 && c.toLowerCase().startsWith(word.toLowerCase()));
  return prefixed.length === 1 ? prefixed[0] : undefined;
}
