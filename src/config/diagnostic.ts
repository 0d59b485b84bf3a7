/**
 * A problem found in the user's input, always tied to a place in a file so that an
 * editor or a CI log can jump to it.
 */
export interface Diagnostic {
  readonly severity: 'error' | 'warning';
  /** The file as the user named it (relative paths stay relative). */
  readonly file: string;
  /** 1-based line of the offending node. */
  readonly line: number;
  /** 1-based column of the offending node. */
  readonly column: number;
  /** Field path in the document, e.g. `clusters[1].istio.version`; empty for the whole document. */
  readonly path: string;
  readonly message: string;
}

/** Thrown by any stage of the pipeline when the input cannot be rendered. */
export class InputError extends Error {
  constructor(readonly diagnostics: readonly Diagnostic[]) {
    super(diagnostics.map(formatDiagnostic).join('\n'));
    this.name = 'InputError';
  }
}

export function formatDiagnostic(d: Diagnostic): string {
  const where = `${d.file}:${d.line}:${d.column}`;
  const field = d.path ? ` ${d.path}:` : '';
  return `${where}: ${d.severity}:${field} ${d.message}`;
}

/** A path into a parsed document: object keys and array indices. */
export type DocPath = readonly (string | number)[];

export function formatPath(path: DocPath): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${part}` : part;
  }
  return out;
}
