/**
 * The bundled restarter (build/restarter/restarter.js) as text, for the render to ship in the
 * Job's ConfigMap. `npm run build` writes it with scripts/bundle-restarter.mjs.
 */
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

export const RESTARTER_BUNDLE = path.join('build', 'restarter', 'restarter.js');

/** The folder holding meshc's package.json, from src/restarter (tests) or build/src/restarter (compiled). */
export function packageRoot(from: string = __dirname): string {
  for (let dir = path.resolve(from); ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no package.json above ${from}`);
  }
}

/** The bundle's text; throws when it has not been built. */
export function restarterScript(root: string = packageRoot()): string {
  const file = path.join(root, RESTARTER_BUNDLE);
  if (!existsSync(file)) throw new Error(`the data-plane restarter is not built (${RESTARTER_BUNDLE} is missing): run npm run build`);
  return readFileSync(file, 'utf8');
}
