import { describe, it, expect } from 'vitest';
import { InputError, formatDiagnostic, type Diagnostic } from '../src/config/diagnostic';
import { parseYamlSource } from '../src/config/source';

/** Strips the newline after the opening backtick and the common indentation, so line 1 is the first text line. */
function yaml(strings: TemplateStringsArray, ...values: unknown[]): string {
  const raw = String.raw(strings, ...values).replace(/^\n/, '');
  const lines = raw.split('\n');
  const indent = Math.min(...lines.filter((l) => l.trim()).map((l) => /^ */.exec(l)![0].length));
  return lines.map((l) => l.slice(indent)).join('\n');
}

function failure(text: string, file = 'fleet.yaml'): InputError {
  try {
    parseYamlSource(file, text);
  } catch (err) {
    if (err instanceof InputError) return err;
    throw err;
  }
  throw new Error('expected parseYamlSource to throw an InputError');
}

function messages(text: string): string[] {
  return failure(text).diagnostics.map(formatDiagnostic);
}

const PEM_MESSAGE =
  'a PEM private key is not allowed in the fleet file: reference secret material ' +
  '(existing Secret, ExternalSecret, SealedSecret) instead';

describe('parseYamlSource: valid documents', () => {
  const text = yaml`
    apiVersion: meshc/v1
    clusters:
      - name: east
        kubernetesVersion: 1.30
        istio:
          version: "1.22.1"
      - {name: west, port: 0x1F}
    defaults: &defaults
      mtls: STRICT
    override: *defaults
    empty:
  `;
  const doc = parseYamlSource('fleet.yaml', text);

  it('exposes the file name and plain data, with aliases resolved', () => {
    expect(doc.file).toBe('fleet.yaml');
    expect(doc.data).toEqual({
      apiVersion: 'meshc/v1',
      clusters: [
        { name: 'east', kubernetesVersion: 1.3, istio: { version: '1.22.1' } },
        { name: 'west', port: 31 },
      ],
      defaults: { mtls: 'STRICT' },
      override: { mtls: 'STRICT' },
      empty: null,
    });
  });

  it('positions values, and keys on request', () => {
    expect(doc.positionOf(['apiVersion'])).toEqual({ line: 1, column: 13 });
    expect(doc.positionOf(['apiVersion'], { key: true })).toEqual({ line: 1, column: 1 });
    expect(doc.positionOf(['clusters', 0, 'kubernetesVersion'])).toEqual({ line: 4, column: 24 });
    expect(doc.positionOf(['clusters', 0, 'kubernetesVersion'], { key: true })).toEqual({ line: 4, column: 5 });
    expect(doc.positionOf(['clusters', 0, 'istio', 'version'])).toEqual({ line: 6, column: 16 });
    expect(doc.positionOf(['clusters', 1, 'port'])).toEqual({ line: 7, column: 24 });
    expect(doc.positionOf(['clusters', 1, 'port'], { key: true })).toEqual({ line: 7, column: 18 });
  });

  it('positions collections at their first entry', () => {
    expect(doc.positionOf([])).toEqual({ line: 1, column: 1 });
    expect(doc.positionOf(['clusters'])).toEqual({ line: 3, column: 3 });
    expect(doc.positionOf(['clusters', 0])).toEqual({ line: 3, column: 5 });
    expect(doc.positionOf(['clusters', 1])).toEqual({ line: 7, column: 5 });
  });

  it('falls back to the nearest existing ancestor for paths that do not exist', () => {
    expect(doc.positionOf(['clusters', 0, 'istio', 'mtls'])).toEqual({ line: 6, column: 7 });
    expect(doc.positionOf(['clusters', 0, 'istio', 'mtls'], { key: true })).toEqual({ line: 6, column: 7 });
    expect(doc.positionOf(['clusters', 5, 'name'])).toEqual({ line: 3, column: 3 });
    expect(doc.positionOf(['nope'])).toEqual({ line: 1, column: 1 });
    expect(doc.positionOf(['apiVersion', 'deeper'])).toEqual({ line: 1, column: 13 });
  });

  it('points at the key of a field that has no value', () => {
    expect(doc.positionOf(['empty'])).toEqual({ line: 11, column: 1 });
  });

  it('follows aliases to the anchored node', () => {
    expect(doc.positionOf(['override', 'mtls'])).toEqual({ line: 9, column: 9 });
  });

  it('returns scalars exactly as written', () => {
    expect(doc.sourceTextOf?.(['clusters', 0, 'kubernetesVersion'])).toBe('1.30');
    expect(doc.sourceTextOf?.(['clusters', 1, 'port'])).toBe('0x1F');
    expect(doc.sourceTextOf?.(['clusters', 0, 'istio', 'version'])).toBe('"1.22.1"');
    expect(doc.sourceTextOf?.(['empty'])).toBe('');
    expect(doc.sourceTextOf?.(['clusters'])).toBeUndefined();
    expect(doc.sourceTextOf?.(['missing'])).toBeUndefined();
  });

  it('accepts a leading document marker and comments', () => {
    const d = parseYamlSource('f.yaml', '# fleet\n---\na: 1\n');
    expect(d.data).toEqual({ a: 1 });
    expect(d.positionOf(['a'])).toEqual({ line: 3, column: 4 });
  });
});

describe('parseYamlSource: rejected input', () => {
  it('reports a duplicate key at the second occurrence, with its path', () => {
    const err = failure(yaml`
      clusters:
        - name: east
          istio: {}
          name: west
    `);
    expect(err.diagnostics).toEqual<Diagnostic[]>([
      { severity: 'error', file: 'fleet.yaml', line: 4, column: 5, path: 'clusters[0]', message: 'duplicate key "name"' },
    ]);
  });

  it('reports duplicate keys in flow mappings and at the top level', () => {
    expect(messages('a: 1\nb: {x: 1, x: 2}\na: 3\n')).toEqual([
      'fleet.yaml:2:11: error: b: duplicate key "x"',
      'fleet.yaml:3:1: error: duplicate key "a"',
    ]);
  });

  it('reports syntax errors at their position', () => {
    expect(messages('a: [1, 2\nb: 3\n')).toEqual([
      'fleet.yaml:2:1: error: invalid YAML: flow sequence in block collection must be sufficiently indented and end with a ]',
    ]);
    expect(messages('a:\n\tb: 1\n')).toEqual(['fleet.yaml:2:1: error: invalid YAML: tabs are not allowed as indentation']);
  });

  it('reports every problem at once, sorted by position', () => {
    const text = yaml`
      a: 1
      a: 2
      key: "-----BEGIN PRIVATE KEY-----"
      b: [1, 2
      c: 3
    `;
    expect(messages(text)).toEqual([
      'fleet.yaml:2:1: error: duplicate key "a"',
      `fleet.yaml:3:7: error: key: ${PEM_MESSAGE}`,
      'fleet.yaml:5:1: error: invalid YAML: flow sequence in block collection must be sufficiently indented and end with a ]',
    ]);
  });

  it('rejects more than one document', () => {
    expect(messages('a: 1\n---\nb: 2\n---\nc: 3\n')).toEqual([
      'fleet.yaml:2:1: error: expected a single YAML document, but another document starts here (found 3)',
    ]);
  });

  it('rejects an empty file', () => {
    const empty = 'fleet.yaml:1:1: error: the fleet file must be a YAML mapping, but it is empty';
    expect(messages('')).toEqual([empty]);
    expect(messages('# only a comment\n')).toEqual([empty]);
    expect(messages('---\n')).toEqual([empty]);
  });

  it('rejects a document that is not a mapping', () => {
    expect(messages('- a\n- b\n')).toEqual(['fleet.yaml:1:1: error: the fleet file must be a YAML mapping, got a list']);
    expect(messages('\n\njust text\n')).toEqual(['fleet.yaml:3:1: error: the fleet file must be a YAML mapping, got a string']);
    expect(messages('42\n')).toEqual(['fleet.yaml:1:1: error: the fleet file must be a YAML mapping, got a number']);
  });

  it('rejects an alias to an anchor that is not defined before it', () => {
    expect(messages('a: *nope\n')).toEqual([
      'fleet.yaml:1:4: error: unknown YAML alias "*nope": the anchor must be defined before it is used',
    ]);
  });

  it('keeps the file name as given', () => {
    const err = failure('[1]\n', 'envs/prod/fleet.yaml');
    expect(err.diagnostics[0].file).toBe('envs/prod/fleet.yaml');
    expect(err.message).toBe('envs/prod/fleet.yaml:1:1: error: the fleet file must be a YAML mapping, got a list');
  });
});

describe('parseYamlSource: private keys', () => {
  it('rejects a PEM private key in a block scalar, at the BEGIN line', () => {
    const err = failure(yaml`
      clusters:
        - name: east
          caKey: |
            -----BEGIN RSA PRIVATE KEY-----
            MIIEowIBAAKCAQEA
            -----END RSA PRIVATE KEY-----
    `);
    expect(err.diagnostics).toEqual<Diagnostic[]>([
      { severity: 'error', file: 'fleet.yaml', line: 4, column: 7, path: 'clusters[0].caKey', message: PEM_MESSAGE },
    ]);
  });

  it('recognises every private key flavour, even in comments', () => {
    const text = yaml`
      a: "-----BEGIN PRIVATE KEY-----\nabc"
      b: -----BEGIN EC PRIVATE KEY-----
      c: '-----BEGIN ENCRYPTED PRIVATE KEY-----'
      d: -----BEGIN OPENSSH PRIVATE KEY-----
      # -----BEGIN DSA PRIVATE KEY-----
    `;
    expect(messages(text)).toEqual([
      `fleet.yaml:1:5: error: a: ${PEM_MESSAGE}`,
      `fleet.yaml:2:4: error: b: ${PEM_MESSAGE}`,
      `fleet.yaml:3:5: error: c: ${PEM_MESSAGE}`,
      `fleet.yaml:4:4: error: d: ${PEM_MESSAGE}`,
      `fleet.yaml:5:3: error: ${PEM_MESSAGE}`,
    ]);
  });

  it('allows certificates and public keys', () => {
    const text = yaml`
      ca: |
        -----BEGIN CERTIFICATE-----
        MIIB
        -----END CERTIFICATE-----
      pub: "-----BEGIN PUBLIC KEY-----"
    `;
    expect(parseYamlSource('fleet.yaml', text).data).toEqual({
      ca: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n',
      pub: '-----BEGIN PUBLIC KEY-----',
    });
  });
});
