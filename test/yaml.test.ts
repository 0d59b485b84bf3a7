/**
 * meshc's YAML writer prints exactly what the `yaml` package prints with the same options: for
 * every object meshc renders, and for crafted values whose quoting and layout rules are subtle.
 */
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { renderClusterObjects } from '../src/render/render';
import { toYaml, YAML_OPTIONS } from '../src/render/yaml';
import { exampleClusters } from './support/objects';
import { fleet, load } from './support/topology-fleet';

const reference = (value: unknown, sortKeys = false) => stringify(value, { ...YAML_OPTIONS, sortMapEntries: sortKeys });

const TRICKY_STRINGS = [
  '', ' ', 'x ', ' x', 'a: b', 'a:b', 'a:', ':a', '#x', 'x #y', 'x#y', '- x', '-x', '-', '?x', '? x', '*x', '&x', '!x', '|x', '>x', '%x', '@x', '`x',
  "'x", '"x', "it's", 'say "hi"', 'both \' and "', '[x]', 'x]', '{x', 'x}', 'a,b', ',x', 'x, y', 'true', 'True', 'FALSE', 'null', 'Null', '~', 'yes', 'no', 'on', 'off', 'y', 'n',
  '1', '1.30', '1.30.3', '1-30-3', '0x1F', '0o17', '1e3', '.5', '.inf', '-.inf', '.nan', '+1', '-1', '007', '12:30', 'é', 'ü-ß', 'tab\there', 'bell\u0007', '\u00a0nbsp',
  'line\nbreak', 'trailing\n', 'two trailing\n\n', '\nleading', '  indented\nfirst', 'x\n\ny', 'x\n  y\n', '---', '...', 'a b  c', 'docker.io/istio/pilot:1.30.3',
  '$(VAR)', 'http://x.example/a?b=c', '{{ .Values.x }}', '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n', 'x\r\ny', 'emoji 🚀',
];
const NUMBERS = [0, 1, -1, 42, 1.5, -0.25, 1e21, 2 ** 53, -0, 0.1 + 0.2];

/** Every string and number in every context: map value, sequence item, key, nested under both. */
function contexts(v: unknown): unknown[] {
  return [{ k: v }, [v], { a: { b: v } }, { a: [v, { c: v }] }, [[v, v], { d: [v] }], { a: [[v]] }, [{ e: { f: v } }]];
}

describe('toYaml', () => {
  it('prints every object of the example fleet and the topology fleet as the yaml package does', () => {
    const clusters = [...exampleClusters(), ...load(fleet())];
    let count = 0;
    for (const cluster of clusters) {
      for (const o of renderClusterObjects(cluster)) {
        expect(toYaml(o.manifest)).toBe(reference(o.manifest));
        count++;
      }
    }
    expect(count).toBeGreaterThan(300);
  });

  it('quotes, escapes and lays out crafted scalars as the yaml package does, in every context', () => {
    for (const v of [...TRICKY_STRINGS, ...NUMBERS, true, false, null]) {
      for (const doc of contexts(v)) expect(toYaml(doc), JSON.stringify(doc)).toBe(reference(doc));
    }
  });

  it('writes crafted keys, empty collections and sorted keys as the yaml package does', () => {
    const keyed = Object.fromEntries(TRICKY_STRINGS.filter((s) => !s.includes('\n')).map((s, i) => [s, i]));
    for (const doc of contexts(keyed)) expect(toYaml(doc)).toBe(reference(doc));
    const mixed = { z: [], y: {}, x: [{}, [], [[]], { a: [] }], w: { v: { u: {} } }, b: undefined, a: 'first' };
    for (const doc of contexts(mixed)) {
      expect(toYaml(doc)).toBe(reference(doc));
      expect(toYaml(doc, { sortKeys: true })).toBe(reference(doc, true));
    }
  });

  it('refuses values YAML has no plain-data form for, rather than print them wrong', () => {
    expect(() => toYaml({ when: new Date(0) })).toThrow(/cannot write a Date/);
    expect(() => toYaml({ f: () => 1 })).toThrow(/cannot write a function/);
  });
});
