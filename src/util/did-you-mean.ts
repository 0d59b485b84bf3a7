/**
 * Suggests the candidate the user most likely meant to type.
 *
 * Distances use optimal string alignment (Damerau–Levenshtein with adjacent
 * transpositions), compared case-insensitively, because the common slips in
 * hand-written YAML are swapped letters (`istoi`) and wrong case (`strict`).
 * A suggestion is only made when it is close enough to be believable: at most
 * max(2, floor(length / 3)) edits, and never when every character would have to
 * change, since suggesting `b` for `a` helps nobody.
 */
export function didYouMean(input: string, candidates: readonly string[]): string | undefined {
  const wanted = input.toLowerCase();
  const limit = Math.max(2, Math.floor(input.length / 3));
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const lower = candidate.toLowerCase();
    const distance = editDistance(wanted, lower);
    if (distance > 0) {
      if (distance > limit) continue;
      if (distance >= Math.max(wanted.length, lower.length)) continue;
    }
    // Strictly smaller keeps the earliest candidate on ties, so the result does
    // not depend on anything but the order the caller chose.
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/** Optimal string alignment distance. */
export function editDistance(a: string, b: string): number {
  const s = Array.from(a);
  const t = Array.from(b);
  const rows = s.length + 1;
  const cols = t.length + 1;
  const d: number[][] = [];
  for (let i = 0; i < rows; i++) {
    d.push(new Array<number>(cols).fill(0));
    d[i][0] = i;
  }
  for (let j = 0; j < cols; j++) d[0][j] = j;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = s[i - 1] === t[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && s[i - 1] === t[j - 2] && s[i - 2] === t[j - 1]) {
        v = Math.min(v, d[i - 2][j - 2] + 1);
      }
      d[i][j] = v;
    }
  }
  return d[s.length][t.length];
}
