import { describe, it, expect } from 'vitest';
import { formatDiagnostic, type Diagnostic } from '../src/config/diagnostic';
import { checkAgainstSchema } from '../src/config/schema-check';
import { parseYamlSource } from '../src/config/source';
import { didYouMean } from '../src/util/did-you-mean';

/** Strips the newline after the opening backtick and the common indentation, so line 1 is the first text line. */
function yaml(strings: TemplateStringsArray, ...values: unknown[]): string {
  const raw = String.raw(strings, ...values).replace(/^\n/, '');
  const lines = raw.split('\n');
  const indent = Math.min(...lines.filter((l) => l.trim()).map((l) => /^ */.exec(l)![0].length));
  return lines.map((l) => l.slice(indent)).join('\n');
}

function check(schema: object, text: string): string[] {
  return checkAgainstSchema(parseYamlSource('fleet.yaml', text), schema).map(formatDiagnostic);
}

const fleetSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  type: 'object',
  additionalProperties: false,
  required: ['kind', 'clusters'],
  markdownDescription: 'A fleet of clusters.',
  properties: {
    kind: { const: 'Fleet' },
    clusters: { type: 'array', minItems: 1, items: { $ref: '#/definitions/cluster' } },
  },
  definitions: {
    cluster: {
      type: 'object',
      additionalProperties: false,
      required: ['name', 'istio'],
      properties: {
        name: {
          type: 'string',
          pattern: '^[a-z]([-a-z0-9]*[a-z0-9])?$',
          'x-pattern-message': 'cluster names are lowercase DNS labels',
        },
        kubernetesVersion: { type: 'string', examples: ['1.30'] },
        istio: {
          type: 'object',
          additionalProperties: false,
          required: ['version'],
          properties: {
            version: { type: 'string', pattern: '^1\\.\\d+\\.\\d+$', default: '1.22.1' },
            mtls: { enum: ['STRICT', 'PERMISSIVE', 'DISABLE'], description: 'Mesh-wide mTLS mode.' },
          },
        },
      },
    },
  },
};

describe('checkAgainstSchema', () => {
  it('returns nothing for a valid document', () => {
    const text = yaml`
      kind: Fleet
      clusters:
        - name: east
          kubernetesVersion: "1.30"
          istio: {version: 1.22.1, mtls: STRICT}
    `;
    expect(check(fleetSchema, text)).toEqual([]);
  });

  it('reports every problem at once, sorted by position', () => {
    const text = yaml`
      kind: Fleet
      clusters:
        - name: East
          kubernetesVersion: 1.30
          istoi:
            version: 1.22.1
        - name: west
          istio:
            version: "1.22"
            mtls: STRCT
      extra: true
    `;
    expect(check(fleetSchema, text)).toEqual([
      'fleet.yaml:3:5: error: clusters[0].istio: missing required field "istio"',
      'fleet.yaml:3:11: error: clusters[0].name: cluster names are lowercase DNS labels, got "East"',
      'fleet.yaml:4:24: error: clusters[0].kubernetesVersion: expected a string, got the number 1.3; quote it: "1.30" (YAML reads 1.30 as 1.3)',
      'fleet.yaml:5:5: error: clusters[0].istoi: unknown field "istoi"; did you mean "istio"?',
      'fleet.yaml:9:16: error: clusters[1].istio.version: "1.22" does not match the pattern ^1\\.\\d+\\.\\d+$',
      'fleet.yaml:10:13: error: clusters[1].istio.mtls: "STRCT" is not one of STRICT, PERMISSIVE, DISABLE; did you mean "STRICT"?',
      'fleet.yaml:11:1: error: extra: unknown field "extra"; allowed: kind, clusters',
    ]);
  });

  it('fills in every field of a diagnostic', () => {
    const doc = parseYamlSource('envs/prod.yaml', 'kind: Fleet\nclusters: []\n');
    expect(checkAgainstSchema(doc, fleetSchema)).toEqual<Diagnostic[]>([
      { severity: 'error', file: 'envs/prod.yaml', line: 2, column: 11, path: 'clusters', message: 'must not be an empty list' },
    ]);
  });

  it('gives the same answer when the compiled schema is reused', () => {
    const text = 'kind: Fleet\nclusters: [{name: a}]\n';
    const first = check(fleetSchema, text);
    expect(first).toEqual(['fleet.yaml:2:12: error: clusters[0].istio: missing required field "istio"']);
    expect(check(fleetSchema, text)).toEqual(first);
  });
});

describe('unknown fields', () => {
  const schema = {
    type: 'object',
    additionalProperties: false,
    properties: {
      istio: { type: 'object', additionalProperties: false, properties: { version: { type: 'string' } } },
      name: { type: 'string' },
      labels: { type: 'object', additionalProperties: false },
      meta: { type: 'object', additionalProperties: false, properties: { owner: { type: 'string' } }, patternProperties: { '^x-': {} } },
    },
  };

  it('points at the key and suggests a close match', () => {
    expect(check(schema, 'name: a\nistoi:\n  version: "1"\n')).toEqual([
      'fleet.yaml:2:1: error: istoi: unknown field "istoi"; did you mean "istio"?',
    ]);
  });

  it('suggests across a case-only difference', () => {
    expect(check(schema, 'Name: a\n')).toEqual(['fleet.yaml:1:1: error: Name: unknown field "Name"; did you mean "name"?']);
  });

  it('lists the allowed fields when nothing is close', () => {
    expect(check(schema, 'istio:\n  kubernetes: x\n')).toEqual([
      'fleet.yaml:2:3: error: istio.kubernetes: unknown field "kubernetes"; allowed: version',
    ]);
  });

  it('does not suggest a field the mapping already has', () => {
    expect(check(schema, 'name: a\nnmae: b\n')).toEqual([
      'fleet.yaml:2:1: error: nmae: unknown field "nmae"; allowed: istio, name, labels, meta',
    ]);
  });

  it('mentions pattern properties and closed mappings', () => {
    expect(check(schema, 'meta: {team: a}\nlabels:\n  app: b\n')).toEqual([
      'fleet.yaml:1:8: error: meta.team: unknown field "team"; allowed: owner, names matching ^x-',
      'fleet.yaml:3:3: error: labels.app: unknown field "app"; no fields are allowed here',
    ]);
  });
});

describe('required fields', () => {
  const schema = {
    type: 'object',
    required: ['kind', 'spec'],
    properties: {
      kind: { type: 'string' },
      spec: { type: 'object', required: ['name', 'port'], properties: { name: { type: 'string' }, port: { type: 'integer' } } },
    },
  };

  it('points at the mapping that lacks the field', () => {
    const text = yaml`
      # header
      spec:
        name: a
    `;
    expect(check(schema, text)).toEqual([
      'fleet.yaml:2:1: error: kind: missing required field "kind"',
      'fleet.yaml:3:3: error: spec.port: missing required field "port"',
    ]);
  });

  it('works in flow mappings', () => {
    expect(check(schema, 'kind: x\nspec: {port: 1}\n')).toEqual(['fleet.yaml:2:7: error: spec.name: missing required field "name"']);
  });
});

describe('enum and const', () => {
  const schema = {
    type: 'object',
    properties: {
      mode: { enum: ['STRICT', 'PERMISSIVE', 'DISABLE'] },
      version: { enum: ['1.30', '1.31'] },
      kind: { const: 'Fleet' },
      flag: { const: 'true' },
    },
  };

  it('suggests the closest allowed string', () => {
    expect(check(schema, 'mode: STRCT\n')).toEqual([
      'fleet.yaml:1:7: error: mode: "STRCT" is not one of STRICT, PERMISSIVE, DISABLE; did you mean "STRICT"?',
    ]);
    expect(check(schema, 'mode: strict\n')).toEqual([
      'fleet.yaml:1:7: error: mode: "strict" is not one of STRICT, PERMISSIVE, DISABLE; did you mean "STRICT"?',
    ]);
  });

  it('only lists the allowed values when nothing is close', () => {
    expect(check(schema, 'mode: MUTUAL\n')).toEqual(['fleet.yaml:1:7: error: mode: "MUTUAL" is not one of STRICT, PERMISSIVE, DISABLE']);
    expect(check(schema, 'mode: 3\n')).toEqual(['fleet.yaml:1:7: error: mode: 3 is not one of STRICT, PERMISSIVE, DISABLE']);
    expect(check(schema, 'mode: [STRICT]\n')).toEqual([
      'fleet.yaml:1:7: error: mode: expected one of STRICT, PERMISSIVE, DISABLE, got a list',
    ]);
  });

  it('explains a number that YAML read from what was meant as an allowed string', () => {
    expect(check(schema, 'version: 1.30\n')).toEqual([
      'fleet.yaml:1:10: error: version: 1.3 is not one of 1.30, 1.31; quote it: "1.30" (YAML reads 1.30 as 1.3)',
    ]);
  });

  it('reports const mismatches with the value found', () => {
    expect(check(schema, 'kind: Flet\n')).toEqual(['fleet.yaml:1:7: error: kind: must be "Fleet", got "Flet"']);
    expect(check(schema, 'kind:\n')).toEqual(['fleet.yaml:1:1: error: kind: must be "Fleet", got an empty value']);
    expect(check(schema, 'flag: true\n')).toEqual(['fleet.yaml:1:7: error: flag: must be "true", got the boolean true; quote it: "true"']);
  });
});

describe('types', () => {
  const schema = {
    type: 'object',
    properties: {
      kubernetesVersion: { type: 'string' },
      port: { type: 'integer' },
      weight: { type: 'number' },
      enabled: { type: 'boolean' },
      labels: { type: 'object' },
      hosts: { type: 'array' },
      note: { type: ['string', 'null'] },
    },
  };

  it('asks to quote a number that was meant as a string, showing what was typed', () => {
    expect(check(schema, 'kubernetesVersion: 1.30\n')).toEqual([
      'fleet.yaml:1:20: error: kubernetesVersion: expected a string, got the number 1.3; quote it: "1.30" (YAML reads 1.30 as 1.3)',
    ]);
    expect(check(schema, 'kubernetesVersion: 0x1F\n')).toEqual([
      'fleet.yaml:1:20: error: kubernetesVersion: expected a string, got the number 31; quote it: "0x1F" (YAML reads 0x1F as 31)',
    ]);
    expect(check(schema, 'kubernetesVersion: 130\n')).toEqual([
      'fleet.yaml:1:20: error: kubernetesVersion: expected a string, got the number 130; quote it: "130"',
    ]);
    expect(check(schema, 'kubernetesVersion: false\n')).toEqual([
      'fleet.yaml:1:20: error: kubernetesVersion: expected a string, got the boolean false; quote it: "false"',
    ]);
  });

  it('asks to drop quotes around numbers and booleans', () => {
    expect(check(schema, 'port: "8080"\nweight: "0.5"\nenabled: "true"\n')).toEqual([
      'fleet.yaml:1:7: error: port: expected an integer, got the string "8080"; remove the quotes',
      'fleet.yaml:2:9: error: weight: expected a number, got the string "0.5"; remove the quotes',
      'fleet.yaml:3:10: error: enabled: expected a boolean, got the string "true"; remove the quotes',
    ]);
  });

  it('explains YAML 1.1 booleans', () => {
    expect(check(schema, 'enabled: yes\n')).toEqual([
      'fleet.yaml:1:10: error: enabled: expected a boolean, got the string "yes"; write true or false (YAML 1.2 reads yes as a string)',
    ]);
  });

  it('names both the expected and the actual type', () => {
    const text = yaml`
      port: 1.5
      weight: abc
      labels: [a]
      hosts: a.example.com
      note: {a: 1}
      enabled:
    `;
    expect(check(schema, text)).toEqual([
      'fleet.yaml:1:7: error: port: expected an integer, got a number (1.5)',
      'fleet.yaml:2:9: error: weight: expected a number, got a string ("abc")',
      'fleet.yaml:3:9: error: labels: expected a mapping, got a list',
      'fleet.yaml:4:8: error: hosts: expected a list, got a string ("a.example.com")',
      'fleet.yaml:5:7: error: note: expected a string or null, got a mapping',
      'fleet.yaml:6:1: error: enabled: expected a boolean, got an empty value',
    ]);
  });
});

describe('patterns', () => {
  const schema = {
    type: 'object',
    properties: {
      name: { type: 'string', pattern: '^[a-z]+$' },
      revision: { type: 'string', pattern: '^[a-z0-9-]+$', 'x-pattern-message': 'revisions are lowercase letters, digits and dashes' },
    },
  };

  it('shows the value and the pattern', () => {
    expect(check(schema, 'name: Abc\n')).toEqual(['fleet.yaml:1:7: error: name: "Abc" does not match the pattern ^[a-z]+$']);
  });

  it('uses x-pattern-message when the schema has one', () => {
    expect(check(schema, 'revision: "1_22"\n')).toEqual([
      'fleet.yaml:1:11: error: revision: revisions are lowercase letters, digits and dashes, got "1_22"',
    ]);
  });

  it('falls back to the editor annotation patternErrorMessage', () => {
    const editorSchema = { type: 'object', properties: { id: { type: 'string', pattern: '^\\d+$', patternErrorMessage: 'ids are digits' } } };
    expect(check(editorSchema, 'id: x1\n')).toEqual(['fleet.yaml:1:5: error: id: ids are digits, got "x1"']);
  });
});

describe('limits and formats', () => {
  const schema = {
    type: 'object',
    properties: {
      port: { type: 'integer', minimum: 1, maximum: 65535 },
      replicas: { type: 'integer', exclusiveMinimum: 0, exclusiveMaximum: 10, multipleOf: 2 },
      name: { type: 'string', minLength: 1, maxLength: 5 },
      code: { type: 'string', minLength: 3 },
      zones: { type: 'array', minItems: 2, maxItems: 3, uniqueItems: true },
      hosts: { type: 'array', minItems: 1 },
      host: { type: 'string', format: 'hostname' },
      ip: { type: 'string', format: 'ipv4' },
      labels: { type: 'object', minProperties: 1 },
    },
  };

  it('reports numeric limits with the value found', () => {
    const text = yaml`
      port: 0
      replicas: 10
    `;
    expect(check(schema, text)).toEqual([
      'fleet.yaml:1:7: error: port: must be >= 1, got 0',
      'fleet.yaml:2:11: error: replicas: must be < 10, got 10',
    ]);
    expect(check(schema, 'port: 70000\nreplicas: 3\n')).toEqual([
      'fleet.yaml:1:7: error: port: must be <= 65535, got 70000',
      'fleet.yaml:2:11: error: replicas: must be a multiple of 2, got 3',
    ]);
    expect(check(schema, 'replicas: 0\n')).toEqual(['fleet.yaml:1:11: error: replicas: must be > 0, got 0']);
  });

  it('reports string lengths', () => {
    expect(check(schema, 'name: ""\ncode: ab\n')).toEqual([
      'fleet.yaml:1:7: error: name: must not be empty',
      'fleet.yaml:2:7: error: code: "ab" is too short: 2 characters, minimum 3',
    ]);
    expect(check(schema, 'name: abcdefg\n')).toEqual(['fleet.yaml:1:7: error: name: "abcdefg" is too long: 7 characters, maximum 5']);
  });

  it('reports list sizes and duplicates', () => {
    expect(check(schema, 'zones: [a]\nhosts: []\n')).toEqual([
      'fleet.yaml:1:8: error: zones: too few items: 1, minimum 2',
      'fleet.yaml:2:8: error: hosts: must not be an empty list',
    ]);
    expect(check(schema, 'zones: [a, b, c, d]\n')).toEqual(['fleet.yaml:1:8: error: zones: too many items: 4, maximum 3']);
    const text = yaml`
      zones:
        - a
        - b
        - a
    `;
    expect(check(schema, text)).toEqual(['fleet.yaml:4:5: error: zones[2]: "a" is a duplicate of item [0]; list items must be unique']);
  });

  it('reports formats and empty mappings', () => {
    expect(check(schema, 'host: a_b.example\nip: 10.0.0.300\nlabels: {}\n')).toEqual([
      'fleet.yaml:1:7: error: host: "a_b.example" is not a valid hostname',
      'fleet.yaml:2:5: error: ip: "10.0.0.300" is not a valid ipv4',
      'fleet.yaml:3:9: error: labels: must not be an empty mapping',
    ]);
  });
});

describe('oneOf / anyOf', () => {
  const schema = {
    type: 'object',
    properties: {
      source: { oneOf: [{ type: 'string', minLength: 1 }, { $ref: '#/definitions/git' }] },
      mode: { anyOf: [{ const: 'auto' }, { const: 'manual' }] },
      size: { anyOf: [{ type: 'integer' }, { enum: ['small', 'large'] }] },
      target: {
        type: 'object',
        properties: { cluster: { type: 'string' }, group: { type: 'string' } },
        oneOf: [{ required: ['cluster'] }, { required: ['group'] }],
      },
      listeners: {
        type: 'array',
        items: { oneOf: [{ type: 'string', format: 'uri' }, { $ref: '#/definitions/tcp' }, { $ref: '#/definitions/http' }] },
      },
    },
    definitions: {
      git: {
        type: 'object',
        additionalProperties: false,
        required: ['repo'],
        properties: { repo: { type: 'string' }, ref: { oneOf: [{ type: 'string' }, { type: 'integer', minimum: 0 }] } },
      },
      tcp: {
        type: 'object',
        additionalProperties: false,
        required: ['kind', 'port'],
        properties: { kind: { const: 'tcp' }, port: { type: 'integer', minimum: 1 } },
      },
      http: {
        type: 'object',
        additionalProperties: false,
        required: ['kind', 'url'],
        properties: { kind: { const: 'http' }, url: { type: 'string', format: 'uri' }, timeout: { type: 'string' } },
      },
    },
  };

  it('reports only the errors of the branch matching the kind of value', () => {
    const text = yaml`
      source:
        reff: main
    `;
    expect(check(schema, text)).toEqual([
      'fleet.yaml:2:3: error: source.reff: unknown field "reff"; did you mean "ref"?',
      'fleet.yaml:2:3: error: source.repo: missing required field "repo"',
    ]);
    expect(check(schema, 'source: ""\n')).toEqual(['fleet.yaml:1:9: error: source: must not be empty']);
  });

  it('resolves alternatives nested inside the chosen branch', () => {
    expect(check(schema, 'source:\n  repo: r\n  ref: [x]\n')).toEqual([
      'fleet.yaml:3:8: error: source.ref: expected a string or an integer, got a list',
    ]);
    expect(check(schema, 'source:\n  repo: r\n  ref: -1\n')).toEqual(['fleet.yaml:3:8: error: source.ref: must be >= 0, got -1']);
  });

  it('lists every accepted type when no branch fits', () => {
    expect(check(schema, 'source: 5\n')).toEqual([
      'fleet.yaml:1:9: error: source: expected a string or a mapping, got the number 5; quote it: "5"',
    ]);
    expect(check(schema, 'source: [a]\n')).toEqual(['fleet.yaml:1:9: error: source: expected a string or a mapping, got a list']);
  });

  it('merges alternatives of fixed values into one list', () => {
    expect(check(schema, 'mode: automatic\n')).toEqual(['fleet.yaml:1:7: error: mode: "automatic" is not one of auto, manual']);
    expect(check(schema, 'mode: Manual\n')).toEqual([
      'fleet.yaml:1:7: error: mode: "Manual" is not one of auto, manual; did you mean "manual"?',
    ]);
    expect(check(schema, 'size: smal\n')).toEqual([
      'fleet.yaml:1:7: error: size: "smal" is not one of small, large; did you mean "small"?',
    ]);
  });

  it('explains exclusive required fields', () => {
    expect(check(schema, 'target: {}\n')).toEqual(['fleet.yaml:1:9: error: target: missing required field: one of "cluster" or "group"']);
    expect(check(schema, 'target: {cluster: a, group: b}\n')).toEqual([
      'fleet.yaml:1:9: error: target: ambiguous value: it matches more than one of the allowed forms (#1 and #2)',
    ]);
  });

  it('follows the discriminator to the intended branch', () => {
    const text = yaml`
      listeners:
        - kind: http
          url: not a url
          timeout: 5
        - kind: tcp
          port: 0
        - kind: udp
          port: 53
        - [tcp]
    `;
    expect(check(schema, text)).toEqual([
      'fleet.yaml:3:10: error: listeners[0].url: "not a url" is not a valid uri',
      'fleet.yaml:4:14: error: listeners[0].timeout: expected a string, got the number 5; quote it: "5"',
      'fleet.yaml:6:11: error: listeners[1].port: must be >= 1, got 0',
      'fleet.yaml:7:11: error: listeners[2].kind: "udp" is not one of tcp, http; did you mean "tcp"?',
      'fleet.yaml:9:5: error: listeners[3]: expected a string or a mapping, got a list',
    ]);
  });
});

describe('conditionals and other keywords', () => {
  const schema = {
    type: 'object',
    properties: {
      mtls: {
        type: 'object',
        properties: { mode: { enum: ['STRICT', 'CUSTOM'] }, caSecret: { type: 'string' } },
        if: { properties: { mode: { const: 'CUSTOM' } } },
        then: { required: ['caSecret'] },
      },
      labels: {
        type: 'object',
        propertyNames: { pattern: '^[a-z.-]+$', 'x-pattern-message': 'label names are lowercase' },
      },
      tls: { type: 'object', dependencies: { cert: ['key'] }, properties: { cert: { type: 'string' }, key: { type: 'string' } } },
      host: { type: 'string', not: { enum: ['localhost'] } },
      legacy: false,
    },
  };

  it('reports what `then` requires without the `if` wrapper', () => {
    expect(check(schema, 'mtls:\n  mode: CUSTOM\n')).toEqual(['fleet.yaml:2:3: error: mtls.caSecret: missing required field "caSecret"']);
    expect(check(schema, 'mtls:\n  mode: STRICT\n')).toEqual([]);
  });

  it('reports invalid field names at the key', () => {
    expect(check(schema, 'labels:\n  app: a\n  Team: b\n')).toEqual([
      'fleet.yaml:3:3: error: labels.Team: invalid field name: label names are lowercase, got "Team"',
    ]);
  });

  it('reports dependencies, not and false schemas', () => {
    const text = yaml`
      tls:
        cert: c
      host: localhost
      legacy: 1
    `;
    expect(check(schema, text)).toEqual([
      'fleet.yaml:2:3: error: tls.key: missing required field "key" (required when "cert" is set)',
      'fleet.yaml:3:7: error: host: this value is not allowed here',
      'fleet.yaml:4:1: error: legacy: field "legacy" is not allowed here',
    ]);
  });
});

describe('schema compilation', () => {
  it('accepts annotation and x- extension keywords', () => {
    const schema = {
      type: 'object',
      title: 'T',
      markdownDescription: '**m**',
      'x-kubernetes-preserve-unknown-fields': true,
      properties: { a: { type: 'string', description: 'd', default: 'x', examples: ['y'], deprecationMessage: 'old', 'x-order': 1 } },
    };
    expect(check(schema, 'a: 1.0\n')).toEqual(['fleet.yaml:1:4: error: a: expected a string, got the number 1; quote it: "1.0" (YAML reads 1.0 as 1)']);
  });

  it('rejects unknown keywords, which are usually typos in the schema', () => {
    const schema = { type: 'object', properties: { a: { type: 'string', requried: true } } };
    expect(() => check(schema, 'a: x\n')).toThrow(/unknown keyword: "requried"/);
  });

  it('handles recursive references', () => {
    const schema = {
      $id: 'https://example.com/tree.json',
      type: 'object',
      additionalProperties: false,
      properties: { name: { type: 'string' }, children: { type: 'array', items: { $ref: '#' } } },
    };
    const text = yaml`
      name: root
      children:
        - name: a
          children:
            - nmae: b
    `;
    expect(check(schema, text)).toEqual([
      'fleet.yaml:5:9: error: children[0].children[0].nmae: unknown field "nmae"; did you mean "name"?',
    ]);
  });
});

describe('didYouMean', () => {
  it('accepts transpositions and small edits', () => {
    expect(didYouMean('istoi', ['name', 'istio'])).toBe('istio');
    expect(didYouMean('STRCT', ['STRICT', 'PERMISSIVE', 'DISABLE'])).toBe('STRICT');
    expect(didYouMean('meshConfigurashun', ['meshConfig', 'meshConfiguration'])).toBe('meshConfiguration');
  });

  it('accepts a case-only difference', () => {
    expect(didYouMean('Strict', ['STRICT'])).toBe('STRICT');
    expect(didYouMean('a', ['A'])).toBe('A');
  });

  it('rejects candidates that are too far', () => {
    expect(didYouMean('kubernetes', ['istio', 'name'])).toBeUndefined();
    expect(didYouMean('abc', ['xyz'])).toBeUndefined();
    // A full rewrite of a short word is not a typo.
    expect(didYouMean('x', ['a'])).toBeUndefined();
    expect(didYouMean('anything', [])).toBeUndefined();
  });

  it('scales the allowed distance with the length of the input', () => {
    // 12 characters allow 4 edits, 6 characters only 2.
    expect(didYouMean('controlplxxx', ['controlplane'])).toBe('controlplane');
    expect(didYouMean('contrx', ['control'])).toBe('control');
    expect(didYouMean('conxxx', ['control'])).toBeUndefined();
  });

  it('prefers the smallest distance, then the earliest candidate', () => {
    expect(didYouMean('nme', ['nam', 'name'])).toBe('name');
    expect(didYouMean('ab', ['ac', 'ad'])).toBe('ac');
    expect(didYouMean('ab', ['ad', 'ac'])).toBe('ad');
  });
});
