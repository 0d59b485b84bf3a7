/** Regular expressions (and their human wording) the fleet schema validates names and values with. */
export const DNS_LABEL = '^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$';
export const DNS_LABEL_MESSAGE = 'must be a DNS label (lower case letters, digits and -, at most 63 characters)';
export const DNS_SUBDOMAIN = '^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$';
export const LABEL_KEY = '^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$';
export const LABEL_VALUE = '^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$';
export const LABEL_VALUE_MESSAGE = 'must be a label value: at most 63 letters, digits, -, _ or ., beginning and ending with a letter or digit';
export const DURATION = '^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$';
/** An environment variable name (a C identifier). */
export const ENV_NAME = '^[A-Za-z_][A-Za-z0-9_]*$';
export const CIDR = '^([0-9]{1,3}(\\.[0-9]{1,3}){3}/[0-9]{1,2}|[0-9a-fA-F:.]*:[0-9a-fA-F:.]*/[0-9]{1,3})$';

const IPV4_OCTET = '(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])';
const IPV6_GROUP = '[0-9a-fA-F]{1,4}';
const IPV6 = [
  `(${IPV6_GROUP}:){7}${IPV6_GROUP}`,
  `(${IPV6_GROUP}:){1,7}:`,
  ...[1, 2, 3, 4, 5, 6].map((tail) => `(${IPV6_GROUP}:){1,${7 - tail}}(:${IPV6_GROUP}){1,${tail}}`),
  `:((:${IPV6_GROUP}){1,7}|:)`,
].join('|');
/**
 * An IPv4 or IPv6 CIDR, every part checked (octets, groups, prefix length), for values the schema
 * alone must vouch for. `CIDR` above only shapes a value that resolution then checks with a reason.
 */
export const IP_CIDR = `^(${IPV4_OCTET}(\\.${IPV4_OCTET}){3}/(3[0-2]|[12]?[0-9])|(${IPV6})/(12[0-8]|1[01][0-9]|[1-9]?[0-9]))$`;
export const IP_CIDR_MESSAGE = 'must be an IPv4 or IPv6 CIDR such as 169.254.0.0/16 or fe80::/10';
