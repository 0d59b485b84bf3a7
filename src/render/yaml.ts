/**
 * YAML text for everything meshc writes: stable key order, no line folding, so the same
 * input gives the same bytes on every machine.
 */
import { stringify } from 'yaml';

export interface YamlOptions {
  /** Sort mapping keys alphabetically (for embedded documents that have no natural order). */
  readonly sortKeys?: boolean;
}

export function toYaml(value: unknown, options: YamlOptions = {}): string {
  return stringify(value, {
    lineWidth: 0,
    minContentWidth: 0,
    indentSeq: true,
    sortMapEntries: options.sortKeys ?? false,
    aliasDuplicateObjects: false,
  });
}
