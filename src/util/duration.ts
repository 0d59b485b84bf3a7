/** Seconds in a Go-style duration such as `1h30m` or `90s` (the fleet schema's DURATION pattern). */
export function durationSeconds(text: string): number {
  const units: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600 };
  let total = 0;
  let rest = text;
  const part = /^([0-9]+(?:\.[0-9]+)?)(ms|s|m|h)/;
  while (rest.length > 0) {
    const m = part.exec(rest);
    if (!m) throw new Error(`not a duration: "${text}"`);
    total += Number(m[1]) * units[m[2]];
    rest = rest.slice(m[0].length);
  }
  if (text.length === 0) throw new Error('not a duration: ""');
  return total;
}
