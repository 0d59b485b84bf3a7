/** CIDR ranges as numbers, to tell whether two clusters' pod or service ranges overlap. */
import { isIPv4, isIPv6 } from 'node:net';

export interface Range {
  readonly family: 4 | 6;
  readonly first: bigint;
  readonly last: bigint;
}

function ipv4(address: string): bigint {
  return address.split('.').reduce((acc, part) => (acc << 8n) | BigInt(Number(part)), 0n);
}

function ipv6(address: string): bigint {
  const [head, tail] = address.includes('::') ? address.split('::') : [address, undefined];
  const parts = (s: string | undefined) => (s ? s.split(':') : []);
  const h = parts(head);
  const t = parts(tail);
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g || '0', 16)), 0n);
}

/** Undefined when `cidr` is not a valid IPv4 or IPv6 CIDR. */
export function parseCidr(cidr: string): Range | undefined {
  const [address, bitsText] = cidr.split('/');
  const bits = Number(bitsText);
  if (isIPv4(address) && Number.isInteger(bits) && bits >= 0 && bits <= 32) return range(4, ipv4(address), bits, 32);
  if (isIPv6(address) && !address.includes('.') && Number.isInteger(bits) && bits >= 0 && bits <= 128) return range(6, ipv6(address), bits, 128);
  return undefined;
}

function range(family: 4 | 6, value: bigint, bits: number, width: number): Range {
  const host = (1n << BigInt(width - bits)) - 1n;
  const first = value & ~host & ((1n << BigInt(width)) - 1n);
  return { family, first, last: first | host };
}

export function overlaps(a: Range, b: Range): boolean {
  return a.family === b.family && a.first <= b.last && b.first <= a.last;
}
