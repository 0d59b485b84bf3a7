/**
 * Builds the upstream programs the tests run (test/e2e/toolchain.ts) once, before any test
 * file starts, so that parallel test files find them built and a cold build is reported once.
 */
import { ensureBuilt, TOOLCHAINS } from './toolchain';

export default function setup(): void {
  for (const name of Object.keys(TOOLCHAINS)) {
    const report = ensureBuilt(name);
    if (report.built) process.stdout.write(`built ${name} in ${report.seconds.toFixed(0)} s (${report.dir})\n`);
  }
}
