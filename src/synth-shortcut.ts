/**
 * `meshc synth` when there is nothing to do: the render record (src/output/render-cache.ts)
 * says the output folder already is the render of these inputs. Kept apart from the CLI, with
 * light imports only, so that the command line can try it before loading the renderer: a
 * no-op synth then costs a few file reads and stats instead of a render.
 */
import type { Io } from './cli';
import type { Baseline } from './lifecycle/baseline';
import { readBaseline } from './lifecycle/baseline';
import { cacheKey, freshRender } from './output/render-cache';
import { compare } from './util/compare';

export interface SynthOptions {
  readonly config?: string;
  readonly out?: string;
  readonly base?: string;
}

/** What of the baseline a render depends on, as text. */
export function baselineText(baseline: Baseline): string {
  return JSON.stringify([baseline.description, [...baseline.records].sort(([a], [b]) => compare(a, b))]);
}

export function renderKey(opts: SynthOptions, baseline: Baseline): string {
  return cacheKey({ config: opts.config ?? 'mesh.yaml', out: opts.out ?? 'dist', base: opts.base, baseline: baselineText(baseline) });
}

/** Reports an up-to-date output and returns true, or returns false: then a render must run. */
export function reportIfUpToDate(opts: SynthOptions, baseline: Baseline, io: Io): boolean {
  const out = opts.out ?? 'dist';
  const fresh = freshRender(out, renderKey(opts, baseline));
  if (!fresh) return false;
  for (const w of fresh.warnings) io.err(w);
  io.out(upToDate(out, fresh.clusters));
  return true;
}

export const upToDate = (out: string, clusters: number): string => `${out}: up to date (${clusters} cluster${clusters === 1 ? '' : 's'})`;

/**
 * For the command line, before anything else is loaded: `synth` with only `--config`, `--out`
 * and `--base` given as pairs, and an up-to-date output. Exit code, or undefined to go the
 * full way (any other arguments, any doubt, any error: the full path reports it properly).
 */
export function synthShortcut(argv: readonly string[], io: Io): number | undefined {
  if (argv[0] !== 'synth' || argv.length % 2 !== 1) return undefined;
  const opts: Record<string, string> = {};
  for (let i = 1; i < argv.length; i += 2) {
    const name = argv[i].startsWith('--') ? argv[i].slice(2) : '';
    if (!['config', 'out', 'base'].includes(name) || name in opts || argv[i + 1].startsWith('--')) return undefined;
    opts[name] = argv[i + 1];
  }
  try {
    return reportIfUpToDate(opts, readBaseline(opts.out ?? 'dist', opts.base), io) ? 0 : undefined;
  } catch {
    return undefined;
  }
}
