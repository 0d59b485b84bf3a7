/**
 * Fleet-file schema of gateways (ingress, egress, named), their Gateway resources and
 * client-address handling.
 */
import { obj } from './schema-builder';

export const GatewaysSchema = obj({}, { description: 'Gateways of the cluster.' });
