/**
 * `meshc vendor [--config FILE]`, wired into the command table by src/cli.ts.
 */
import { formatDiagnostic, InputError } from '../config/diagnostic';
import type { Command, Io } from '../cli';
import { loadFleetText } from '../pipeline';
import { readFileSync } from 'node:fs';
import { vendorRoot } from './vendored-crds';
import { vendorCrds } from './vendor';

const EXIT_OK = 0;
const EXIT_INVALID = 1;

export const vendorCommand: Command = {
  summary: 'download and verify the Istio CRDs of every version the fleet uses (crds.mode: vendored)',
  usage: 'meshc vendor [--config FILE]',
  options: { '--config FILE': 'fleet file to read (default: mesh.yaml)' },
  run(opts: Record<string, string>, io: Io): number {
    return runVendor(opts.config ?? 'mesh.yaml', io);
  },
};

/** The command with a replaceable download location, for tests and mirrors. */
export function runVendor(file: string, io: Io, baseUrl?: string): number {
  const fleet = loadWithoutCrds(file, io);
  if (!fleet) return EXIT_INVALID;
  const vendorDir = fleet.delivery?.crds.vendorDir ?? 'vendor/istio';
  const result = vendorCrds(fleet, { root: vendorRoot(file, vendorDir), baseUrl }, io.err);
  for (const path of result.written) io.out(`${path}: verified and written`);
  if (result.failed.length > 0) {
    io.err(`${result.failed.length} download${result.failed.length === 1 ? '' : 's'} failed`);
    return EXIT_INVALID;
  }
  return EXIT_OK;
}

/**
 * Loads the fleet for its versions only: the vendored files are what this command creates,
 * so their absence or mismatch is not an error here.
 */
function loadWithoutCrds(file: string, io: Io) {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    io.err(`${file}: cannot read the fleet file: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
    return undefined;
  }
  try {
    return loadFleetText(file, text, { vendoredCrds: false }).fleet;
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    for (const d of err.diagnostics) io.err(formatDiagnostic(d));
    return undefined;
  }
}
