/**
 * load → validate → resolve: the fleet file to a resolved, checked fleet. Nothing here writes.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve as resolvePath } from 'node:path';
import type { FleetConfig } from './config/cluster-config';
import { InputError, type Diagnostic } from './config/diagnostic';
import { fleetJsonSchema, type FleetFile } from './config/fleet-schema';
import { resolveFleet, type ResolveOptions } from './config/resolve';
import { checkAgainstSchema } from './config/schema-check';
import { parseYamlSource } from './config/source';
import { attachVendoredCrds } from './delivery/vendored-crds';

export interface LoadedFleet {
  readonly fleet: FleetConfig;
  /** Problems that do not stop the render, tied to a place in the file. */
  readonly warnings: readonly Diagnostic[];
  /** Every file the render depends on besides meshc: the fleet file and the files it names. */
  readonly inputs: readonly string[];
}

export interface LoadOptions extends ResolveOptions {
  /** Read vendored CRD files (default true); off where only the configuration matters. */
  readonly vendoredCrds?: boolean;
}

/** Parses, validates and resolves fleet-file text. Throws InputError with every problem found. */
export function loadFleetText(file: string, text: string, { vendoredCrds = true, ...resolveOptions }: LoadOptions = {}): LoadedFleet {
  const doc = parseYamlSource(file, text);
  const schemaErrors = checkAgainstSchema(doc, fleetJsonSchema());
  if (schemaErrors.length > 0) throw new InputError(schemaErrors);
  // Files the fleet file names (root certificates) are read here, relative to it, as text.
  const inputs = [file];
  const readFile =
    resolveOptions.readFile ??
    ((path: string) => {
      const full = resolvePath(dirname(file), path);
      inputs.push(full);
      return readFileSync(full, 'utf8');
    });
  const resolved = resolveFleet(doc, doc.data as FleetFile, { ...resolveOptions, readFile });
  if (resolved.diagnostics.some((d) => d.severity === 'error')) throw new InputError(resolved.diagnostics);
  // Vendored files are read here, once, so that constructs stay pure and a render never reads disk.
  if (!vendoredCrds) return { fleet: resolved.fleet, warnings: resolved.diagnostics, inputs };
  const { fleet, diagnostics, files } = attachVendoredCrds(doc, resolved.fleet);
  if (diagnostics.length > 0) throw new InputError([...resolved.diagnostics, ...diagnostics]);
  return { fleet, warnings: resolved.diagnostics, inputs: [...inputs, ...files] };
}

/** Reads and loads a fleet file; an unreadable file is an input error too. */
export function loadFleetFile(file: string, options: LoadOptions = {}): LoadedFleet {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message;
    throw new InputError([{ severity: 'error', file, line: 1, column: 1, path: '', message: `cannot read the fleet file: ${reason}` }]);
  }
  return loadFleetText(file, text, options);
}
