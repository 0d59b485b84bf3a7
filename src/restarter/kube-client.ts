/**
 * A minimal Kubernetes API client on node:http(s): the restarter runs as one dependency-free
 * file, so it cannot use @kubernetes/client-node. It lists (page by page), merge-patches,
 * creates and deletes, and retries what is worth retrying: 429 (after Retry-After), 409,
 * 5xx and broken connections, with exponential backoff and jitter, a bounded number of times.
 */
import { readFileSync } from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import type { ObjectList } from './kube-types';

/** How to reach and authenticate to one API server. */
export interface KubeConnection {
  /** `https://host:port`, optionally with a path prefix (API proxies); `http://` for tests and `kubectl proxy`. */
  readonly server: string;
  /** CA bundle (PEM) the server certificate must chain to; the system CAs when unset. */
  readonly caPem?: string;
  readonly token?: string;
  /** File holding the bearer token, read again for each request: projected service-account tokens rotate. */
  readonly tokenFile?: string;
  readonly clientCertPem?: string;
  readonly clientKeyPem?: string;
  readonly insecureSkipTlsVerify?: boolean;
  /** Name to verify the server certificate against, when it differs from the server's host. */
  readonly tlsServerName?: string;
}

export interface ClientOptions {
  /** Attempts per request, the first included (default 6). */
  readonly maxAttempts?: number;
  /** Backoff before the second attempt; doubled each time (default 500 ms). */
  readonly baseDelayMs?: number;
  /** Longest backoff and longest Retry-After honoured (default 30 s). */
  readonly maxDelayMs?: number;
  /** A request without an answer this long is abandoned and retried (default 30 s). */
  readonly timeoutMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
  /** In [0, 1): the jitter. Tests pass a constant. */
  readonly random?: () => number;
  /** Told about each retry, e.g. to log it. */
  readonly onRetry?: (message: string) => void;
}

/** A request that failed for good: a status that is not worth retrying, or every attempt used. */
export class KubeApiError extends Error {
  constructor(
    message: string,
    /** HTTP status of the last answer; undefined when there was none (connection error). */
    readonly status: number | undefined,
    readonly attempts: number,
  ) {
    super(message);
    this.name = 'KubeApiError';
  }
}

interface Answer {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

/** Connection errors after which the same request may well succeed. */
const TRANSIENT_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ENETDOWN']);

function retryableStatus(status: number): boolean {
  return status === 429 || status === 409 || status >= 500;
}

export const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export class KubeClient {
  private readonly base: URL;
  private readonly agent: http.Agent;
  private readonly transport: typeof http | typeof https;
  private readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly timeoutMs: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;
  private readonly onRetry: (message: string) => void;

  constructor(
    private readonly conn: KubeConnection,
    options: ClientOptions = {},
  ) {
    try {
      this.base = new URL(conn.server);
    } catch {
      throw new Error(`invalid API server URL "${conn.server}"`);
    }
    if (this.base.protocol === 'https:') {
      this.transport = https;
      this.agent = new https.Agent({
        keepAlive: true,
        ...(conn.caPem ? { ca: conn.caPem } : {}),
        ...(conn.clientCertPem ? { cert: conn.clientCertPem } : {}),
        ...(conn.clientKeyPem ? { key: conn.clientKeyPem } : {}),
        ...(conn.tlsServerName ? { servername: conn.tlsServerName } : {}),
        rejectUnauthorized: !conn.insecureSkipTlsVerify,
      });
    } else if (this.base.protocol === 'http:') {
      this.transport = http;
      this.agent = new http.Agent({ keepAlive: true });
    } else {
      throw new Error(`API server URL "${conn.server}" must start with https:// or http://`);
    }
    this.maxAttempts = Math.max(1, options.maxAttempts ?? 6);
    this.baseDelayMs = options.baseDelayMs ?? 500;
    this.maxDelayMs = options.maxDelayMs ?? 30_000;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.sleep = options.sleep ?? defaultSleep;
    this.random = options.random ?? Math.random;
    this.onRetry = options.onRetry ?? (() => undefined);
  }

  /** Every item of a collection, following `continue` tokens; an expired token restarts the list. */
  async list<T>(path: string, query: Readonly<Record<string, string>> = {}, pageSize = 500): Promise<T[]> {
    for (let restart = 0; ; restart++) {
      const items: T[] = [];
      let token: string | undefined;
      try {
        do {
          const page = await this.request<ObjectList<T>>('GET', path, { ...query, limit: String(pageSize), ...(token ? { continue: token } : {}) });
          items.push(...(page.items ?? []));
          token = page.metadata?.continue || undefined;
        } while (token);
        return items;
      } catch (err) {
        // 410 Gone: the continue token outlived the server's snapshot; start over (twice at most).
        if (!(err instanceof KubeApiError && err.status === 410 && token && restart < 2)) throw err;
        this.onRetry(`GET ${path}: the list expired while paging (410 Gone); listing again from the start`);
      }
    }
  }

  /** JSON merge patch (RFC 7386): maps merge key by key, which is all the restarter needs for one annotation. */
  mergePatch<T>(path: string, patch: unknown): Promise<T> {
    return this.request<T>('PATCH', path, {}, patch, 'application/merge-patch+json');
  }

  create<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('POST', path, {}, body, 'application/json');
  }

  /** Deletes an object; an object that is already gone counts as deleted. */
  async delete(path: string): Promise<void> {
    try {
      await this.request<unknown>('DELETE', path);
    } catch (err) {
      if (!(err instanceof KubeApiError && err.status === 404)) throw err;
    }
  }

  /** Closes kept-alive connections. */
  close(): void {
    this.agent.destroy();
  }

  /** One API call, retried as the class comment says; resolves to the parsed JSON answer. */
  async request<T>(method: string, path: string, query: Readonly<Record<string, string>> = {}, body?: unknown, contentType?: string): Promise<T> {
    const search = new URLSearchParams(query).toString();
    const what = `${method} ${path}`;
    const payload = body === undefined ? undefined : JSON.stringify(body);
    for (let attempt = 1; ; attempt++) {
      let answer: Answer | undefined;
      let failure: string;
      let retryAfterMs: number | undefined;
      try {
        answer = await this.once(method, path + (search ? `?${search}` : ''), payload, contentType);
        if (answer.status >= 200 && answer.status < 300) return parseJson<T>(answer.body, what);
        failure = `${answer.status} ${describeStatus(answer)}`;
        if (!retryableStatus(answer.status)) throw new KubeApiError(`${what}: ${failure}`, answer.status, attempt);
        if (answer.status === 429) retryAfterMs = parseRetryAfter(answer.headers['retry-after']);
      } catch (err) {
        if (err instanceof KubeApiError) throw err;
        const code = (err as NodeJS.ErrnoException).code ?? '';
        failure = `${code ? `${code}: ` : ''}${(err as Error).message}`;
        if (!TRANSIENT_CODES.has(code)) throw new KubeApiError(`${what}: ${failure}`, undefined, attempt);
      }
      if (attempt >= this.maxAttempts) {
        throw new KubeApiError(`${what}: ${failure} (gave up after ${attempt} attempts)`, answer?.status, attempt);
      }
      const delay = retryAfterMs !== undefined ? Math.min(retryAfterMs, this.maxDelayMs) : this.backoff(attempt);
      this.onRetry(`${what}: ${failure}; retrying in ${(delay / 1000).toFixed(1)}s (attempt ${attempt + 1} of ${this.maxAttempts})`);
      await this.sleep(delay);
    }
  }

  /** Exponential backoff with "equal jitter": half the step for sure, the other half at random. */
  private backoff(attempt: number): number {
    const step = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** (attempt - 1));
    return Math.round(step / 2 + this.random() * (step / 2));
  }

  private token(): string | undefined {
    if (this.conn.tokenFile) return readFileSync(this.conn.tokenFile, 'utf8').trim();
    return this.conn.token;
  }

  private once(method: string, pathAndQuery: string, payload: string | undefined, contentType: string | undefined): Promise<Answer> {
    const prefix = this.base.pathname.replace(/\/+$/, '');
    const token = this.token();
    const headers: http.OutgoingHttpHeaders = {
      accept: 'application/json',
      'user-agent': 'meshc-restarter',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(payload !== undefined ? { 'content-type': contentType ?? 'application/json', 'content-length': Buffer.byteLength(payload) } : {}),
    };
    return new Promise<Answer>((resolve, reject) => {
      const req = this.transport.request(
        {
          protocol: this.base.protocol,
          hostname: this.base.hostname.replace(/^\[|\]$/g, ''),
          port: this.base.port || undefined,
          path: prefix + pathAndQuery,
          method,
          headers,
          agent: this.agent,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        },
      );
      req.setTimeout(this.timeoutMs, () => {
        const err: NodeJS.ErrnoException = new Error(`no answer within ${this.timeoutMs / 1000}s`);
        err.code = 'ETIMEDOUT';
        req.destroy(err);
      });
      req.on('error', reject);
      req.end(payload);
    });
  }
}

function parseJson<T>(text: string, what: string): T {
  if (text === '') return undefined as T;
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new KubeApiError(`${what}: the answer is not JSON: ${text.slice(0, 200)}`, undefined, 1);
  }
}

/** The reason phrase and, from a Kubernetes Status body, its message. */
function describeStatus(answer: Answer): string {
  const phrase = http.STATUS_CODES[answer.status] ?? 'Unknown';
  try {
    const status = JSON.parse(answer.body) as { kind?: string; message?: string };
    if (status.kind === 'Status' && status.message) return `${phrase}: ${status.message}`;
  } catch {
    // Not a Status object: the start of the body says more than nothing.
  }
  const text = answer.body.trim().slice(0, 200);
  return text ? `${phrase}: ${text}` : phrase;
}

/** Retry-After in seconds or as an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (v === undefined || v.trim() === '') return undefined;
  if (/^\d+$/.test(v.trim())) return Number(v.trim()) * 1000;
  const date = Date.parse(v);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/** The connection of a pod to its own cluster: the service account's token and CA, and the kubernetes Service. */
export function inClusterConnection(env: NodeJS.ProcessEnv = process.env, dir = SERVICE_ACCOUNT_DIR): KubeConnection {
  const host = env.KUBERNETES_SERVICE_HOST;
  if (!host) throw new Error('not running in a Kubernetes pod: KUBERNETES_SERVICE_HOST is not set');
  const port = env.KUBERNETES_SERVICE_PORT || '443';
  const tokenFile = `${dir}/token`;
  let caPem: string;
  try {
    readFileSync(tokenFile, 'utf8');
    caPem = readFileSync(`${dir}/ca.crt`, 'utf8');
  } catch (err) {
    throw new Error(`cannot read the pod's service-account credentials: ${(err as Error).message} (is automountServiceAccountToken off?)`);
  }
  return { server: `https://${host.includes(':') ? `[${host}]` : host}:${port}`, caPem, tokenFile };
}
