import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Upstream's programs (Kubernetes, etcd, Flux, Istio) are built once per content, before the tests.
    globalSetup: ['test/e2e/global-setup.ts'],
    // Rendering whole fleets and running kubectl kustomize takes seconds, not milliseconds.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
