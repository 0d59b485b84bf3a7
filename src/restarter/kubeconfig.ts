/**
 * Reading a kubeconfig for `meshc restart` on a workstation: one context's server, CA and
 * credentials, as kubectl would use them. Not part of the Job's bundle (it needs `yaml` and
 * may spawn credential plugins).
 *
 * Supported: certificate-authority(-data), insecure-skip-tls-verify, tls-server-name; token,
 * tokenFile, client-certificate(-data)/client-key(-data), exec credential plugins. Several
 * files in $KUBECONFIG merge as kubectl merges them: the first file naming an entry wins.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import * as path from 'node:path';
import { parse } from 'yaml';
import type { KubeConnection } from './kube-client';

export class KubeconfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KubeconfigError';
  }
}

export interface KubeconfigOptions {
  /** The kubeconfig file; default: the files in $KUBECONFIG, else ~/.kube/config. */
  readonly path?: string;
  /** Context to use; default: the current context. */
  readonly context?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** How long an exec credential plugin may run (default 60 s). */
  readonly execTimeoutMs?: number;
}

type Fields = Record<string, unknown>;

/** A named entry of a kubeconfig, with the folder of the file that defined it (relative paths start there). */
interface Entry {
  readonly fields: Fields;
  readonly dir: string;
  readonly file: string;
}

interface Merged {
  readonly clusters: Map<string, Entry>;
  readonly users: Map<string, Entry>;
  readonly contexts: Map<string, Entry>;
  currentContext?: string;
  readonly files: string[];
}

/** The files to read: the given one, or those of $KUBECONFIG, or ~/.kube/config. */
export function kubeconfigPaths(explicit: string | undefined, env: NodeJS.ProcessEnv = process.env): string[] {
  if (explicit) return [path.resolve(explicit)];
  const list = (env.KUBECONFIG ?? '').split(path.delimiter).filter((p) => p !== '');
  if (list.length > 0) return list.map((p) => path.resolve(p));
  return [path.join(env.HOME || homedir(), '.kube', 'config')];
}

function isFields(v: unknown): v is Fields {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function load(files: readonly string[], explicit: boolean): Merged {
  const merged: Merged = { clusters: new Map(), users: new Map(), contexts: new Map(), files: [] };
  for (const file of files) {
    if (!existsSync(file)) {
      // kubectl skips missing files of $KUBECONFIG, but not a file named on the command line.
      if (explicit) throw new KubeconfigError(`kubeconfig ${file} does not exist`);
      continue;
    }
    let doc: unknown;
    try {
      doc = parse(readFileSync(file, 'utf8'));
    } catch (err) {
      throw new KubeconfigError(`kubeconfig ${file}: ${(err as Error).message}`);
    }
    if (doc === null || doc === undefined) continue;
    if (!isFields(doc)) throw new KubeconfigError(`kubeconfig ${file}: expected a mapping`);
    merged.files.push(file);
    const dir = path.dirname(file);
    for (const [list, inner, into] of [
      ['clusters', 'cluster', merged.clusters],
      ['users', 'user', merged.users],
      ['contexts', 'context', merged.contexts],
    ] as const) {
      const items = doc[list] ?? [];
      if (!Array.isArray(items)) throw new KubeconfigError(`kubeconfig ${file}: ${list} must be a list`);
      for (const item of items) {
        if (!isFields(item) || typeof item.name !== 'string') throw new KubeconfigError(`kubeconfig ${file}: every entry of ${list} needs a name`);
        if (!into.has(item.name)) into.set(item.name, { fields: isFields(item[inner]) ? item[inner] : {}, dir, file });
      }
    }
    const current = doc['current-context'];
    if (merged.currentContext === undefined && typeof current === 'string' && current !== '') merged.currentContext = current;
  }
  if (merged.files.length === 0) throw new KubeconfigError(`no kubeconfig found (looked for ${files.join(', ')}); pass --kubeconfig FILE`);
  return merged;
}

function str(entry: Entry, key: string): string | undefined {
  const v = entry.fields[key];
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v !== 'string') throw new KubeconfigError(`kubeconfig ${entry.file}: ${key} must be a string`);
  return v;
}

/** A PEM given inline (base64, `-data`) or as a file relative to the kubeconfig. */
function pem(entry: Entry, key: string, what: string): string | undefined {
  const data = str(entry, `${key}-data`);
  if (data) return Buffer.from(data, 'base64').toString('utf8');
  const file = str(entry, key);
  return file ? readRelative(entry, file, what) : undefined;
}

function readRelative(entry: Entry, file: string, what: string): string {
  const full = path.resolve(entry.dir, file);
  try {
    return readFileSync(full, 'utf8');
  } catch (err) {
    throw new KubeconfigError(`kubeconfig ${entry.file}: cannot read ${what} ${full}: ${(err as Error).message}`);
  }
}

/** The connection of one context of the kubeconfig. */
export async function connectionFromKubeconfig(options: KubeconfigOptions = {}): Promise<KubeConnection> {
  const env = options.env ?? process.env;
  const merged = load(kubeconfigPaths(options.path, env), options.path !== undefined);
  const where = merged.files.join(', ');
  const contextName = options.context ?? merged.currentContext;
  if (!contextName) throw new KubeconfigError(`kubeconfig ${where} has no current context; name one with --context`);
  const context = merged.contexts.get(contextName);
  if (!context) {
    const names = [...merged.contexts.keys()].join(', ') || 'none';
    throw new KubeconfigError(`kubeconfig ${where} has no context "${contextName}" (contexts: ${names})`);
  }
  const clusterName = str(context, 'cluster');
  const cluster = clusterName === undefined ? undefined : merged.clusters.get(clusterName);
  if (!cluster) throw new KubeconfigError(`kubeconfig context "${contextName}" names cluster "${clusterName ?? ''}", which is not defined`);
  const userName = str(context, 'user');
  const user = userName === undefined ? undefined : merged.users.get(userName);
  if (userName !== undefined && !user) throw new KubeconfigError(`kubeconfig context "${contextName}" names user "${userName}", which is not defined`);

  const server = str(cluster, 'server');
  if (!server) throw new KubeconfigError(`kubeconfig cluster "${clusterName}" has no server`);
  if (str(cluster, 'proxy-url')) throw new KubeconfigError(`kubeconfig cluster "${clusterName}" uses proxy-url, which meshc restart does not support`);
  const caPem = pem(cluster, 'certificate-authority', 'certificate authority');
  const tlsServerName = str(cluster, 'tls-server-name');
  const conn: KubeConnection = {
    server,
    ...(caPem ? { caPem } : {}),
    ...(cluster.fields['insecure-skip-tls-verify'] === true ? { insecureSkipTlsVerify: true } : {}),
    ...(tlsServerName ? { tlsServerName } : {}),
  };
  return user ? { ...conn, ...(await credentials(user, userName!, conn, options)) } : conn;
}

type Credentials = Pick<KubeConnection, 'token' | 'clientCertPem' | 'clientKeyPem'>;

async function credentials(user: Entry, name: string, conn: KubeConnection, options: KubeconfigOptions): Promise<Credentials> {
  const provider = user.fields['auth-provider'];
  if (provider !== undefined) {
    const kind = isFields(provider) && typeof provider.name === 'string' ? provider.name : 'unknown';
    throw new KubeconfigError(`kubeconfig user "${name}" uses auth-provider "${kind}", which meshc restart does not support; use an exec credential plugin (e.g. kubelogin) instead`);
  }
  if (str(user, 'username') || str(user, 'password')) {
    throw new KubeconfigError(`kubeconfig user "${name}" uses basic authentication (username/password), which meshc restart does not support`);
  }
  const creds: { token?: string; clientCertPem?: string; clientKeyPem?: string } = {};
  const token = str(user, 'token');
  const tokenFile = str(user, 'tokenFile');
  if (token) creds.token = token;
  else if (tokenFile) creds.token = readRelative(user, tokenFile, 'token file').trim();
  const cert = pem(user, 'client-certificate', 'client certificate');
  const key = pem(user, 'client-key', 'client key');
  if (cert) creds.clientCertPem = cert;
  if (key) creds.clientKeyPem = key;
  if (user.fields.exec !== undefined) Object.assign(creds, await execCredential(user, name, conn, options));
  if ((creds.clientCertPem === undefined) !== (creds.clientKeyPem === undefined)) {
    throw new KubeconfigError(`kubeconfig user "${name}" has a client certificate without a key, or a key without a certificate`);
  }
  return creds;
}

/** Runs an exec credential plugin (client.authentication.k8s.io ExecCredential) and reads its token or certificate. */
async function execCredential(user: Entry, name: string, conn: KubeConnection, options: KubeconfigOptions): Promise<Credentials> {
  const exec = user.fields.exec;
  if (!isFields(exec) || typeof exec.command !== 'string' || exec.command === '') {
    throw new KubeconfigError(`kubeconfig user "${name}": exec needs a command`);
  }
  const apiVersion = typeof exec.apiVersion === 'string' ? exec.apiVersion : 'client.authentication.k8s.io/v1';
  // As in kubectl: a command with a path separator is relative to the kubeconfig, a bare name is looked up on PATH.
  const command = exec.command.includes('/') || exec.command.includes(path.sep) ? path.resolve(user.dir, exec.command) : exec.command;
  const args = Array.isArray(exec.args) ? exec.args.map(String) : [];
  const extra: Record<string, string> = {};
  for (const e of Array.isArray(exec.env) ? exec.env : []) {
    if (isFields(e) && typeof e.name === 'string') extra[e.name] = String(e.value ?? '');
  }
  const cluster =
    exec.provideClusterInfo === true
      ? {
          server: conn.server,
          ...(conn.caPem ? { 'certificate-authority-data': Buffer.from(conn.caPem).toString('base64') } : {}),
          ...(conn.insecureSkipTlsVerify ? { 'insecure-skip-tls-verify': true } : {}),
        }
      : undefined;
  const info = { apiVersion, kind: 'ExecCredential', spec: { interactive: false, ...(cluster ? { cluster } : {}) } };
  const env = { ...(options.env ?? process.env), ...extra, KUBERNETES_EXEC_INFO: JSON.stringify(info) };

  const stdout = await new Promise<string>((resolve, reject) => {
    execFile(command, args, { env, timeout: options.execTimeoutMs ?? 60_000, maxBuffer: 4 * 1024 * 1024 }, (err, out, errOut) => {
      if (!err) return resolve(out);
      const e = err as NodeJS.ErrnoException & { killed?: boolean };
      const hint = typeof exec.installHint === 'string' ? `\n${exec.installHint.trim()}` : '';
      if (e.code === 'ENOENT') return reject(new KubeconfigError(`kubeconfig user "${name}": credential plugin ${command} not found${hint}`));
      const why = e.killed ? 'timed out' : `failed (${e.code ?? 'error'})`;
      reject(new KubeconfigError(`kubeconfig user "${name}": credential plugin ${command} ${why}: ${String(errOut).trim() || e.message}`));
    });
  });
  let cred: unknown;
  try {
    cred = JSON.parse(stdout);
  } catch {
    throw new KubeconfigError(`kubeconfig user "${name}": credential plugin ${command} printed no JSON ExecCredential`);
  }
  const status = isFields(cred) && cred.kind === 'ExecCredential' && isFields(cred.status) ? cred.status : undefined;
  if (!status) throw new KubeconfigError(`kubeconfig user "${name}": credential plugin ${command} printed no ExecCredential with a status`);
  const out: { token?: string; clientCertPem?: string; clientKeyPem?: string } = {};
  if (typeof status.token === 'string' && status.token) out.token = status.token;
  if (typeof status.clientCertificateData === 'string' && status.clientCertificateData) out.clientCertPem = status.clientCertificateData;
  if (typeof status.clientKeyData === 'string' && status.clientKeyData) out.clientKeyPem = status.clientKeyData;
  if (!out.token && !out.clientCertPem) {
    throw new KubeconfigError(`kubeconfig user "${name}": credential plugin ${command} returned neither a token nor a client certificate`);
  }
  return out;
}
