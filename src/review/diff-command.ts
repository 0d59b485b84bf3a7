/**
 * `meshc diff`: what a change to the fleet file does to the rendered objects, per cluster and per
 * field, compared with the render committed at a Git ref (or in a folder).
 */
import type { Command, Io } from '../cli';
import { formatDiagnostic, InputError } from '../config/diagnostic';
import { readTree } from '../output/tree-writer';
import { loadFleetFile } from '../pipeline';
import { renderFleet } from '../render/render';
import { formatMarkdown, formatText } from './format';
import { BaseError, readGitTree } from './git-tree';
import { diffTrees, hasChanges, parseTree } from './structural-diff';

// Kept local: importing values from '../cli' would be a require cycle once cli registers this command.
const EXIT_SAME = 0;
const EXIT_DIFFERENT = 1;
const EXIT_INVALID = 1;
const EXIT_USAGE = 2;

const FORMATS = ['text', 'markdown'] as const;

export const diffCommand: Command = {
  summary: 'show, field by field, how the render of the fleet file differs from the committed one',
  usage: 'meshc diff [--config FILE] [--out DIR] [--base GIT_REF | --base-dir DIR] [--format text|markdown]',
  options: {
    '--config FILE': 'fleet file to read (default: mesh.yaml)',
    '--out DIR': 'output folder whose committed render is the base (default: dist)',
    '--base REF': 'Git ref to read the output folder at (default: HEAD)',
    '--base-dir DIR': 'compare with this folder instead of a Git ref',
    '--format FORMAT': 'text (default) or markdown, for a pull-request comment',
  },
  run(opts: Record<string, string>, io: Io): number {
    const format = opts.format ?? 'text';
    if (!(FORMATS as readonly string[]).includes(format)) {
      io.err(`meshc diff: unknown format "${format}" (${FORMATS.join(' or ')})`);
      return EXIT_USAGE;
    }
    if (opts.base !== undefined && opts['base-dir'] !== undefined) {
      io.err('meshc diff: give --base or --base-dir, not both');
      return EXIT_USAGE;
    }
    const config = opts.config ?? 'mesh.yaml';
    const out = opts.out ?? 'dist';
    const ref = opts.base ?? 'HEAD';

    let rendered;
    try {
      const loaded = loadFleetFile(config);
      for (const w of loaded.warnings) io.err(formatDiagnostic(w));
      rendered = renderFleet(loaded.fleet);
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      for (const d of err.diagnostics) io.err(formatDiagnostic(d));
      const errors = err.diagnostics.filter((d) => d.severity === 'error').length;
      io.err(`${errors} error${errors === 1 ? '' : 's'}; nothing was compared`);
      return EXIT_INVALID;
    }

    let base: Map<string, string>;
    try {
      base = opts['base-dir'] !== undefined ? readTree(opts['base-dir']) : readGitTree(out, ref);
    } catch (err) {
      if (!(err instanceof BaseError)) throw err;
      io.err(`meshc diff: ${err.message}`);
      return EXIT_USAGE;
    }

    const diff = diffTrees(parseTree(base), parseTree(rendered));
    const lines =
      format === 'markdown'
        ? formatMarkdown(diff, {
            config,
            base: opts['base-dir'] !== undefined ? `\`${opts['base-dir']}\`` : `\`${out}\` at \`${ref}\``,
          })
        : formatText(diff);
    for (const line of lines) io.out(line);
    return hasChanges(diff) ? EXIT_DIFFERENT : EXIT_SAME;
  },
};
