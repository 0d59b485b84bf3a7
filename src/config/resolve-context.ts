import type { DocPath } from './diagnostic';

/** What a feature's resolver may do with the fleet file: report errors where values came from. */
export interface ResolveContext {
  /** Reports an error at the path (relative to the cluster's settings) that supplied the value. */
  fail(path: (string | number)[], message: string): void;
  /** The file path that supplied a cluster setting (cluster entry or defaults). */
  at(...sub: (string | number)[]): DocPath;
}
