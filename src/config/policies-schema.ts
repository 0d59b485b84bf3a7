/**
 * Workload security policies of a cluster, per namespace: mTLS overrides (PeerAuthentication),
 * authorization (AuthorizationPolicy), end-user authentication (RequestAuthentication) and the
 * shorthands teams reach for most. Keyed by name rather than listed, so `defaults` and a
 * cluster merge policy by policy and a name can never be given twice.
 */
import { arr, bool, int, obj, oneOfStrings, record, str, type Static } from './schema-builder';
import { DNS_LABEL, DNS_SUBDOMAIN, LABEL_KEY, LABEL_VALUE, LABEL_VALUE_MESSAGE } from './patterns';

export const MTLS_MODES = ['STRICT', 'PERMISSIVE', 'DISABLE'] as const;

const OBJECT_NAME = DNS_SUBDOMAIN;

const selector = (what: string) =>
  record(str({ pattern: LABEL_VALUE, patternMessage: LABEL_VALUE_MESSAGE }), {
    description: `Labels of the pods ${what} applies to (all of them); unset: every pod of the namespace.`,
    keyPattern: LABEL_KEY,
  });

const strings = (description: string, item = str({ minLength: 1 })) => arr(item, { description, minItems: 1 });

const IP_BLOCK = str({ pattern: '^[0-9a-fA-F.:]+(/[0-9]{1,3})?$', patternMessage: 'must be an IP address or a CIDR such as 10.0.0.0/8' });
const PORT = int({ minimum: 1, maximum: 65535 });

export const SourceSchema = obj(
  {
    principals: strings('Peer identities (`<trustDomain>/ns/<namespace>/sa/<serviceAccount>`, or `<namespace>/<serviceAccount>` for this cluster\'s trust domain). Needs mTLS.'),
    notPrincipals: strings('Peer identities that do not match; same forms as `principals`.'),
    requestPrincipals: strings('End-user identities from a validated JWT, `<issuer>/<subject>`.'),
    notRequestPrincipals: strings('End-user identities that do not match.'),
    namespaces: strings('Namespaces of the peer. Needs mTLS.'),
    notNamespaces: strings('Namespaces of the peer that do not match.'),
    ipBlocks: strings('Source addresses of the connection (IPs or CIDRs).', IP_BLOCK),
    notIpBlocks: strings('Source addresses that do not match.', IP_BLOCK),
    remoteIpBlocks: strings('Original client addresses (from X-Forwarded-For or PROXY protocol).', IP_BLOCK),
    notRemoteIpBlocks: strings('Original client addresses that do not match.', IP_BLOCK),
  },
  { description: 'Who sends the request: every field set must match.' },
);

export const OperationSchema = obj(
  {
    hosts: strings('Host or authority headers (HTTP only).'),
    notHosts: strings('Hosts that do not match.'),
    ports: arr(PORT, { description: 'Destination ports.', minItems: 1 }),
    notPorts: arr(PORT, { description: 'Destination ports that do not match.', minItems: 1 }),
    methods: strings('HTTP methods, or gRPC `POST` (HTTP only).'),
    notMethods: strings('Methods that do not match.'),
    paths: strings('Request paths, exact or with a leading or trailing `*` (HTTP only).'),
    notPaths: strings('Paths that do not match.'),
  },
  { description: 'What is requested: every field set must match.' },
);

const WHEN_KEY =
  '^(request\\.headers\\[[^\\]]+\\]|source\\.ip|remote\\.ip|source\\.namespace|source\\.principal|request\\.auth\\.principal|request\\.auth\\.audiences|request\\.auth\\.presenter|request\\.auth\\.claims\\[.+\\]|destination\\.ip|destination\\.port|connection\\.sni|experimental\\.envoy\\.filters\\..+)$';

export const ConditionSchema = obj(
  {
    key: str({ description: 'Attribute, e.g. `request.auth.claims[groups]`, `request.headers[x-tenant]`, `source.ip`.', pattern: WHEN_KEY, patternMessage: 'must be an Istio authorization attribute such as request.auth.claims[iss], request.headers[x-user], source.ip or destination.port' }),
    values: strings('Values that match.'),
    notValues: strings('Values that do not match.'),
  },
  { required: ['key'], description: 'An extra condition on the request.' },
);

export const RuleSchema = obj(
  {
    from: arr(SourceSchema, { description: 'Sources; any one matching is enough. Unset: any source.', minItems: 1 }),
    to: arr(OperationSchema, { description: 'Operations; any one matching is enough. Unset: any operation.', minItems: 1 }),
    when: arr(ConditionSchema, { description: 'Conditions; all must hold.', minItems: 1 }),
  },
  { description: 'A rule matches a request when `from`, `to` and `when` all match. A rule with none of them matches every request.' },
);

export const AuthorizationPolicySchema = obj(
  {
    action: oneOfStrings(['ALLOW', 'DENY', 'AUDIT', 'CUSTOM'] as const, {
      description: 'What a matching request gets. `CUSTOM` delegates the decision to `provider`.',
      default: 'ALLOW',
    }),
    provider: str({ description: 'For `CUSTOM`: the name of one of `mesh.extensionProviders`.', minLength: 1 }),
    selector: selector('the policy'),
    rules: arr(RuleSchema, { description: 'Rules; a request matching any one matches the policy. An ALLOW policy without rules allows nothing.' }),
  },
  { description: 'An Istio AuthorizationPolicy; the key is its name.' },
);

export const JwtRuleSchema = obj(
  {
    issuer: str({ description: 'Issuer of the tokens (`iss` claim).', minLength: 1 }),
    jwksUri: str({ description: 'Where the issuer publishes its signing keys. Unset: OpenID discovery from the issuer.', pattern: '^https?://', patternMessage: 'must be an http(s) URL' }),
    audiences: strings('Accepted `aud` values; unset: any audience.'),
    fromHeaders: arr(
      obj(
        {
          name: str({ description: 'Header name.', minLength: 1 }),
          prefix: str({ description: 'Prefix before the token, e.g. `Bearer `.' }),
        },
        { required: ['name'] },
      ),
      { description: 'Headers the token is read from; unset: `Authorization: Bearer`.', minItems: 1 },
    ),
    fromParams: strings('Query parameters the token is read from.'),
    forwardOriginalToken: bool({ description: 'Pass the token on to the workload.', default: false }),
    outputClaimToHeaders: arr(
      obj(
        {
          header: str({ description: 'Header to set.', pattern: '^[-_A-Za-z0-9]+$', patternMessage: 'must be an HTTP header name' }),
          claim: str({ description: 'Claim whose value the header carries.', minLength: 1 }),
        },
        { required: ['header', 'claim'] },
      ),
      { description: 'Claims copied into request headers.', minItems: 1 },
    ),
  },
  { required: ['issuer'], description: 'One accepted token issuer.' },
);

export const RequestAuthenticationSchema = obj(
  {
    selector: selector('the authentication'),
    jwtRules: arr(JwtRuleSchema, { description: 'Accepted issuers. A request with an invalid token is rejected; one without a token passes unauthenticated.', minItems: 1 }),
  },
  { required: ['jwtRules'], description: 'An Istio RequestAuthentication; the key is its name.' },
);

export const WorkloadMtlsSchema = obj(
  {
    selector: selector('the override'),
    mtls: oneOfStrings(MTLS_MODES, { description: 'mTLS mode of these pods; unset: the namespace\'s.' }),
    portLevelMtls: record(oneOfStrings(MTLS_MODES), { description: 'mTLS mode per container port.', keyPattern: '^[0-9]{1,5}$' }),
  },
  { required: ['selector'], description: 'An mTLS override for some pods of the namespace (a PeerAuthentication with a selector); the key is its name.' },
);

export const NamespacePoliciesSchema = obj(
  {
    mtls: oneOfStrings(MTLS_MODES, { description: 'mTLS mode of the namespace (its `default` PeerAuthentication); unset: the mesh-wide `security.meshMtls`.' }),
    workloads: record(WorkloadMtlsSchema, { description: 'mTLS overrides for some pods, by name.', keyPattern: OBJECT_NAME }),
    defaultDeny: bool({ description: 'Deny every request no ALLOW policy allows (renders `allow-nothing`).', default: false }),
    allowSameNamespace: bool({ description: 'Allow requests from workloads of the same namespace (renders `allow-same-namespace`).', default: false }),
    allowFromIngressGateway: bool({ description: 'Allow requests from the cluster\'s ingress gateway (renders `allow-ingress-gateway`).', default: false }),
    allowServiceAccounts: arr(str({ pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?/[a-z0-9]([-a-z0-9.]*[a-z0-9])?$', patternMessage: 'must be <namespace>/<serviceAccount>' }), {
      description: 'Allow requests from these service accounts, `<namespace>/<serviceAccount>` (renders `allow-service-accounts`).',
      minItems: 1,
    }),
    authorizationPolicies: record(AuthorizationPolicySchema, { description: 'AuthorizationPolicies by name.', keyPattern: OBJECT_NAME }),
    requestAuthentications: record(RequestAuthenticationSchema, { description: 'RequestAuthentications by name.', keyPattern: OBJECT_NAME }),
  },
  { description: 'Policies of one namespace. In the root (control-plane) namespace they apply to the whole mesh.' },
);

export const PoliciesSchema = obj(
  {
    namespaces: record(NamespacePoliciesSchema, { description: 'Policies by namespace.', keyPattern: DNS_LABEL }),
  },
  { description: 'Workload security policies: mTLS overrides, authorization and JWT authentication, per namespace. See docs/policies.md.' },
);

export const TrustDomainAliasesSchema = arr(str({ pattern: DNS_SUBDOMAIN, patternMessage: 'must be a DNS name such as old.example' }), {
  description: 'Other trust domains whose identities count as this cluster\'s own (MeshConfig `trustDomainAliases`), e.g. during a trust domain migration.',
  uniqueItems: true,
});

export type PoliciesInput = Static<typeof PoliciesSchema>;
export type NamespacePoliciesInput = Static<typeof NamespacePoliciesSchema>;
export type AuthorizationPolicyInput = Static<typeof AuthorizationPolicySchema>;
export type RuleInput = Static<typeof RuleSchema>;
export type SourceInput = Static<typeof SourceSchema>;
export type OperationInput = Static<typeof OperationSchema>;
export type ConditionInput = Static<typeof ConditionSchema>;
export type JwtRuleInput = Static<typeof JwtRuleSchema>;
