/**
 * Plays the operators a meshc render relies on but does not install, as far as the pods that
 * mount their output can tell: for each External Secrets `ExternalSecret` the Secret it targets,
 * for each cert-manager `Certificate` the Secret it names. The Secrets are empty: no key
 * material exists in the test; a kubelet only needs them to exist to mount them.
 */
import type { KubeClient } from '../../src/restarter/kube-client';
import { KubeApiError } from '../../src/restarter/kube-client';
import { sleep } from './processes';

type Obj = Record<string, any>;

const SOURCES = [
  { path: '/apis/external-secrets.io/v1/externalsecrets', target: (o: Obj): string => o.spec?.target?.name ?? o.metadata.name },
  { path: '/apis/cert-manager.io/v1/certificates', target: (o: Obj): string => o.spec.secretName },
];

export const STAND_IN_ANNOTATION = 'test.meshc.dev/stand-in-for';

export class FakeOperators {
  private stopped = false;
  private loop?: Promise<void>;
  errors: string[] = [];

  constructor(private readonly api: KubeClient) {}

  start(): void {
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      for (const source of SOURCES) {
        try {
          await this.reconcile(source.path, source.target);
        } catch (err) {
          // Before its CRD is installed a kind does not exist: nothing to do yet.
          if (!(err instanceof KubeApiError && err.status === 404)) this.errors.push((err as Error).message);
        }
      }
      await sleep(500);
    }
  }

  private async reconcile(path: string, target: (o: Obj) => string): Promise<void> {
    for (const o of await this.api.list<Obj>(path)) {
      const ns = o.metadata.namespace;
      const name = target(o);
      const exists = await this.api.request('GET', `/api/v1/namespaces/${ns}/secrets/${name}`).then(
        () => true,
        () => false,
      );
      if (exists) continue;
      await this.api.create(`/api/v1/namespaces/${ns}/secrets`, {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name, namespace: ns, annotations: { [STAND_IN_ANNOTATION]: `${o.kind}/${o.metadata.name}` } },
        type: 'Opaque',
      });
    }
  }
}
