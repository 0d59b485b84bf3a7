import type { DocPath } from './diagnostic';

export interface PositionOptions {
  /** Point at the key rather than the value: for a named map entry, its name is what the eye looks for. */
  readonly key?: boolean;
}

/** What a feature's resolver may do with the fleet file: report errors where values came from. */
export interface ResolveContext {
  /** Reports an error at the path (relative to the cluster's settings) that supplied the value. */
  fail(path: (string | number)[], message: string, opts?: PositionOptions): void;
  /** Reports a warning there: the value is valid but very likely not what was meant. Rendering goes on. */
  warn(path: (string | number)[], message: string, opts?: PositionOptions): void;
  /** The file path that supplied a cluster setting (cluster entry or defaults). */
  at(...sub: (string | number)[]): DocPath;
}
