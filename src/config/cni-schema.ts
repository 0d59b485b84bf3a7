/** Fleet-file schema of the Istio CNI node agent. */
import { bool, obj } from './schema-builder';

export const CniSchema = obj(
  { enabled: bool({ description: 'Run the Istio CNI node agent, so pods need no privileged init container.', default: false }) },
  { description: 'Istio CNI.' },
);
