/**
 * CustomResourceDefinitions a real cluster has before meshc's objects arrive: those of the
 * operators a meshc render refers to (cert-manager for gateway certificates and CA material,
 * External Secrets for CA material and remote secrets), and the Kubernetes Gateway API's, which
 * istiod serves. Taken from each project's
 * own Go module, through the Go module proxy, at pinned versions and checked by sha256.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

interface CrdSource {
  readonly module: string;
  readonly version: string;
  /** Path in the module → sha256 of the file. */
  readonly files: Readonly<Record<string, string>>;
}

const SOURCES: readonly CrdSource[] = [
  {
    module: 'github.com/cert-manager/cert-manager',
    version: 'v1.21.2',
    files: {
      'deploy/crds/cert-manager.io_certificates.yaml': '7ad91029c00ec959d54215b19d3b1a9b7e0247eaa60f987151c2b70d8661f8af',
      'deploy/crds/cert-manager.io_clusterissuers.yaml': '30008001b78aafb8e110af61359561104b5fafc3a4dc6ac0013245d0ee3fe4ca',
      'deploy/crds/cert-manager.io_issuers.yaml': '05e37efb02777e0362d24269fa103c2fc11419f9c85e31854ef873e5d9e5c5cc',
    },
  },
  {
    // The Gateway API release Istio 1.30 is built against; its standard channel.
    module: 'sigs.k8s.io/gateway-api',
    version: 'v1.5.1',
    files: {
      'config/crd/standard/gateway.networking.k8s.io_gatewayclasses.yaml': '234ad4b2757ee1b3596a4187bb98df071c5bbdd9e1806f692f2dbf8387e6bef4',
      'config/crd/standard/gateway.networking.k8s.io_gateways.yaml': '7416e8300eb4d8c0a71a23445609075bbacbe8bc80104584b019cfe1ebe77c31',
      'config/crd/standard/gateway.networking.k8s.io_httproutes.yaml': '682203b109baecb18d38073a578f7bc2c17d22fe9b0c27bf030850abe014c370',
      'config/crd/standard/gateway.networking.k8s.io_grpcroutes.yaml': '979f4125d44d3df24659ba00d1d04ff8e76c45423193e8aae82dd5810d7827df',
      'config/crd/standard/gateway.networking.k8s.io_referencegrants.yaml': 'a8902c486eed0b7339f5bb8a476ccaba0918eb038048402bdc01cbb69b0fbb51',
      'config/crd/standard/gateway.networking.k8s.io_backendtlspolicies.yaml': '9b8818172153d72f9c84032db0be0a4a657277d13f5bbc22226ad9481ff57971',
      'config/crd/standard/gateway.networking.k8s.io_listenersets.yaml': '9221468d19fdfbb0026113b1ef64abac64f27607975aff2410361b8b38f0e0bb',
      'config/crd/standard/gateway.networking.k8s.io_tlsroutes.yaml': '818e4827c469a40e2527a2851591e656782c50fea8dd44812c900d219da09345',
    },
  },
  {
    module: 'github.com/external-secrets/external-secrets',
    version: 'v1.3.2',
    files: {
      'config/crds/bases/external-secrets.io_externalsecrets.yaml': '690dbc0d51b5f9bc5266b450b533cfd22c5273268e8569102e528a39519cd4ba',
      'config/crds/bases/external-secrets.io_secretstores.yaml': 'ef1fc349941cea1d56b87f8c31cf05a9fed85b7c000a60e69c6b2b29a13fa648',
      'config/crds/bases/external-secrets.io_clustersecretstores.yaml': '5f2b3425b831546b3d051ece29caf1eb1010d961d7a00640e0c0a6aceac5ffef',
    },
  },
];

/** Paths of the pinned CRD files, downloaded into Go's module cache when missing. */
export function thirdPartyCrdFiles(): string[] {
  const paths: string[] = [];
  for (const source of SOURCES) {
    const r = spawnSync('go', ['mod', 'download', '-json', `${source.module}@${source.version}`], {
      encoding: 'utf8',
      env: { ...process.env, GOFLAGS: '-mod=mod' },
      cwd: __dirname,
    });
    const info = r.stdout ? (JSON.parse(r.stdout) as { Dir?: string; Error?: string }) : {};
    if (r.status !== 0 || !info.Dir) throw new Error(`go mod download ${source.module}@${source.version} failed: ${info.Error ?? r.stderr}`);
    for (const [file, sha256] of Object.entries(source.files)) {
      const path = join(info.Dir, file);
      const actual = createHash('sha256').update(readFileSync(path)).digest('hex');
      if (actual !== sha256) throw new Error(`${source.module}@${source.version}/${file}: sha256 ${actual}, expected ${sha256}`);
      paths.push(path);
    }
  }
  return paths;
}
