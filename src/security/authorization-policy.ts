/**
 * AuthorizationPolicy and RequestAuthentication from resolved policies. The fleet file writes
 * sources and operations directly as list entries; Istio wraps each in `source` / `operation`.
 */
import { Construct } from 'constructs';
import {
  AuthorizationPolicy as AuthorizationPolicyApi,
  AuthorizationPolicySpecAction,
  RequestAuthentication as RequestAuthenticationApi,
  type AuthorizationPolicySpecRules,
} from '../../imports/security.istio.io';
import { MANAGER, Labels } from '../labels';
import type { AuthorizationPolicyModel, AuthorizationRule, RequestAuthenticationModel } from './resolve-policies';

const metadata = (name: string, namespace: string) => ({ name, namespace, labels: { [Labels.MANAGED_BY]: MANAGER } });
const copy = <T>(list: readonly T[] | undefined) => (list ? [...list] : undefined);

export function ruleSpec(rule: AuthorizationRule): AuthorizationPolicySpecRules {
  return {
    ...(rule.from.length ? { from: rule.from.map((s) => ({ source: { ...s } })) } : {}),
    ...(rule.to.length
      ? {
          to: rule.to.map(({ ports, notPorts, ...op }) => ({
            operation: {
              ...op,
              // Istio types ports as strings; the fleet file takes numbers so YAML stays natural.
              ...(ports ? { ports: ports.map(String) } : {}),
              ...(notPorts ? { notPorts: notPorts.map(String) } : {}),
            },
          })),
        }
      : {}),
    ...(rule.when.length ? { when: rule.when.map((c) => ({ key: c.key, values: copy(c.values), notValues: copy(c.notValues) })) } : {}),
  };
}

export class AuthorizationPolicy extends Construct {
  constructor(scope: Construct, id: string, policy: AuthorizationPolicyModel) {
    super(scope, id);
    new AuthorizationPolicyApi(this, 'resource', {
      metadata: metadata(policy.name, policy.namespace),
      spec: {
        ...(policy.selector ? { selector: { matchLabels: { ...policy.selector } } } : {}),
        action: AuthorizationPolicySpecAction[policy.action],
        ...(policy.provider ? { provider: { name: policy.provider } } : {}),
        // No rules is Istio's "allow nothing" idiom for ALLOW; an empty list would mean the same but reads like a mistake.
        ...(policy.rules.length ? { rules: policy.rules.map(ruleSpec) } : {}),
      },
    });
  }
}

/**
 * The generated class writes `jwksUri` under its deprecated alias `jwks_uri` (the CRD declares
 * both); Istio's documentation, and so every reviewer, knows it as `jwksUri`.
 */
class RequestAuthenticationResource extends RequestAuthenticationApi {
  override toJson(): any {
    const manifest = super.toJson();
    for (const rule of manifest.spec?.jwtRules ?? []) {
      if ('jwks_uri' in rule) {
        rule.jwksUri = rule.jwks_uri;
        delete rule.jwks_uri;
      }
    }
    return manifest;
  }
}

export class RequestAuthentication extends Construct {
  constructor(scope: Construct, id: string, ra: RequestAuthenticationModel) {
    super(scope, id);
    new RequestAuthenticationResource(this, 'resource', {
      metadata: metadata(ra.name, ra.namespace),
      spec: {
        ...(ra.selector ? { selector: { matchLabels: { ...ra.selector } } } : {}),
        jwtRules: ra.jwtRules.map((r) => ({
          issuer: r.issuer,
          jwksUri: r.jwksUri,
          audiences: copy(r.audiences),
          fromHeaders: r.fromHeaders?.map((h) => ({ name: h.name, prefix: h.prefix })),
          fromParams: copy(r.fromParams),
          forwardOriginalToken: r.forwardOriginalToken,
          outputClaimToHeaders: r.outputClaimToHeaders?.map((o) => ({ header: o.header, claim: o.claim })),
        })),
      },
    });
  }
}

/** Every namespace policy of a cluster, one object each, named as in the fleet file. */
export function renderPolicies(
  scope: Construct,
  policies: { readonly authorizationPolicies: readonly AuthorizationPolicyModel[]; readonly requestAuthentications: readonly RequestAuthenticationModel[] },
): void {
  for (const p of policies.authorizationPolicies) new AuthorizationPolicy(scope, `authz-${p.namespace}-${p.name}`, p);
  for (const r of policies.requestAuthentications) new RequestAuthentication(scope, `requestauthn-${r.namespace}-${r.name}`, r);
}
