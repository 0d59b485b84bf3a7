/**
 * Injection templates a fleet adds by name (`sidecar.templates`), beside meshc's own: pods pick
 * them with `inject.istio.io/templates`, alone or after `sidecar` (upstream's SPIRE integration
 * is `sidecar,spire`). istiod parses them when it loads its configuration; meshc checks what it
 * can without Go: the name, and that every action is closed.
 */
import type { ResolveContext } from '../config/resolve-context';
import { GRPC_TEMPLATES } from './grpc-templates';

/** Names of the templates meshc renders itself. */
export const BUILT_IN_TEMPLATES: readonly string[] = ['sidecar', 'gateway', ...GRPC_TEMPLATES];

export function checkCustomTemplates(templates: Readonly<Record<string, string>>, ctx: ResolveContext): void {
  for (const [name, text] of Object.entries(templates)) {
    const path = ['sidecar', 'templates', name];
    if (BUILT_IN_TEMPLATES.includes(name)) {
      ctx.fail(path, `template "${name}" is one of meshc's own (${BUILT_IN_TEMPLATES.join(', ')}); give yours another name`);
      continue;
    }
    const problem = unclosedAction(text);
    if (problem) ctx.fail(path, `template "${name}" ${problem}`);
  }
}

/** Where the first `{{` without its `}}` (or a stray `}}`) is, by line; Go's parser would refuse it. */
function unclosedAction(text: string): string | undefined {
  let open: number | undefined;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    for (const m of lines[i].matchAll(/\{\{|\}\}/g)) {
      if (m[0] === '{{') {
        if (open !== undefined) return `has an action opened on its line ${open + 1} and not closed before another opens on line ${i + 1}`;
        open = i;
      } else {
        if (open === undefined) return `closes an action on its line ${i + 1} that was never opened`;
        open = undefined;
      }
    }
  }
  return open === undefined ? undefined : `has an action opened on its line ${open + 1} that is never closed`;
}
