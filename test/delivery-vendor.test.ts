/**
 * `meshc vendor` against a local HTTP server serving the upstream CRD files (the server runs
 * in its own process: the command blocks this one while it downloads).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findRelease } from '../src/catalog/versions';
import { runVendor, vendorCommand } from '../src/delivery/vendor-command';
import { loadFleetFile } from '../src/pipeline';
import { SHARED_DIR } from './support/crd-validator';
import { HEADER } from './support/fleet';

const SERVER = `
const http = require('http'), fs = require('fs'), path = require('path');
const root = process.argv[1];
const server = http.createServer((req, res) => {
  const file = path.join(root, path.normalize(decodeURIComponent(req.url)).replace(/^([/\\\\.])+/, ''));
  fs.readFile(file, (err, data) => {
    if (err) { res.writeHead(404); res.end('not found'); return; }
    res.writeHead(200); res.end(data);
  });
});
server.listen(0, '127.0.0.1', () => process.stdout.write(String(server.address().port) + '\\n'));
`;

function serve(root: string): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, ['-e', SERVER, root], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.stdout!.once('data', (d: Buffer) => resolve({ url: `http://127.0.0.1:${d.toString().trim()}`, child }));
    child.once('error', reject);
  });
}

const tmp = mkdtempSync(join(tmpdir(), 'meshc-vendor-'));
let good: { url: string; child: ChildProcess };
let bad: { url: string; child: ChildProcess };

beforeAll(async () => {
  const badRoot = join(tmp, 'bad-upstream', '1.30.3');
  mkdirSync(badRoot, { recursive: true });
  const bytes = readFileSync(join(SHARED_DIR, 'istio', '1.30.3', 'crd-all.gen.yaml'));
  bytes[200] ^= 1;
  writeFileSync(join(badRoot, 'crd-all.gen.yaml'), bytes);
  good = await serve(join(SHARED_DIR, 'istio'));
  bad = await serve(join(tmp, 'bad-upstream'));
});

afterAll(() => {
  good?.child.kill();
  bad?.child.kill();
  rmSync(tmp, { recursive: true, force: true });
});

function fleet(dir: string, delivery: string): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'mesh.yaml');
  writeFileSync(
    file,
    `${HEADER}clusters:\n  - name: a\n    kubernetesVersion: "1.33"\n    istio: { version: "1.30.3" }\n  - name: b\n    kubernetesVersion: "1.33"\n    istio: { version: "1.29.6" }\n${delivery}`,
  );
  return file;
}

const capture = () => {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l) }, out, err };
};

describe('meshc vendor', () => {
  it('is a command with --config', () => {
    expect(vendorCommand.usage).toBe('meshc vendor [--config FILE]');
    expect(Object.keys(vendorCommand.options)).toEqual(['--config FILE']);
  });

  it('downloads every version the fleet uses, verified, where synth then reads it', () => {
    const file = fleet(join(tmp, 'ok'), 'delivery:\n  git: { url: https://git.example/p.git }\n  crds: { mode: vendored, vendorDir: third_party/istio }\n');
    const c = capture();
    expect(runVendor(file, c.io, good.url), c.err.join('\n')).toBe(0);
    for (const v of ['1.30.3', '1.29.6']) {
      const path = join(tmp, 'ok', 'third_party', 'istio', v, 'crd-all.gen.yaml');
      expect(readFileSync(path)).toEqual(readFileSync(join(SHARED_DIR, 'istio', v, 'crd-all.gen.yaml')));
      expect(c.out).toContain(`${path}: verified and written`);
    }
    expect(loadFleetFile(file).fleet.clusters.every((cl) => cl.crds.length > 10)).toBe(true);
  });

  it('keeps no file whose sha256 is not the catalog\'s, and exits 1', () => {
    const file = fleet(join(tmp, 'tampered'), 'delivery:\n  git: { url: https://git.example/p.git }\n  crds: { mode: vendored }\n');
    const c = capture();
    expect(runVendor(file, c.io, bad.url)).toBe(1);
    const log = c.err.join('\n');
    expect(log).toContain(`sha256 mismatch for Istio 1.30.3: expected ${findRelease('1.30.3')!.crds.sha256}`);
    expect(log).toContain('/1.29.6/crd-all.gen.yaml: download failed: HTTP 404');
    expect(existsSync(join(tmp, 'tampered', 'vendor', 'istio', '1.30.3'))).toBe(false);
    expect(existsSync(join(tmp, 'tampered', 'vendor'))).toBe(false);
  });

  it('exits 1 on an invalid fleet file without downloading', () => {
    const dir = join(tmp, 'invalid');
    const file = fleet(dir, 'delivery:\n  git: { url: x }\n  crds: { mode: vendord }\n');
    const c = capture();
    expect(runVendor(file, c.io, good.url)).toBe(1);
    expect(c.err.join('\n')).toContain('delivery.crds.mode');
    expect(readdirSync(dir)).toEqual(['mesh.yaml']);
  });
});
