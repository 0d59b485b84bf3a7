/**
 * The structural diff as text for a terminal or CI log, and as Markdown for a pull-request comment.
 */
import type { BundleDiff, FieldChange, FleetDiff } from './structural-diff';

/** Longest value shown; review needs to see what changed, not every byte of it. */
const MAX_VALUE = 200;
/** GitHub rejects comments over 65,536 characters; keep room for the heading and the summary. */
const MAX_MARKDOWN = 60_000;

export function bundleSummary(b: BundleDiff): string {
  const objects = (n: number) => `${n} object${n === 1 ? '' : 's'}`;
  switch (b.status) {
    case 'unchanged':
      return 'no changes';
    case 'added':
      return `new (${objects(b.added.length)})`;
    case 'removed':
      return `removed (${objects(b.removed.length)})`;
    default:
      return `${b.added.length} added, ${b.removed.length} removed, ${b.changed.length} changed`;
  }
}

/** Compact JSON, cut to MAX_VALUE characters. */
export function formatValue(value: unknown): string {
  const text = value === undefined ? 'undefined' : JSON.stringify(value);
  return text.length > MAX_VALUE ? `${text.slice(0, MAX_VALUE - 1)}…` : text;
}

function fieldLabel(c: FieldChange): string {
  return c.line === undefined ? c.path : `${c.path} (line ${c.line})`;
}

export function formatText(diff: FleetDiff): string[] {
  const lines = diff.bundles.map((b) => `${b.bundle}: ${bundleSummary(b)}`);
  for (const b of diff.bundles) {
    if (b.status === 'unchanged') continue;
    lines.push('', b.bundle);
    for (const id of b.added) lines.push(`  + ${id}`);
    for (const id of b.removed) lines.push(`  - ${id}`);
    for (const o of b.changed) {
      lines.push(`  ~ ${o.id}`);
      for (const c of o.changes) {
        if (c.op === 'added') lines.push(`      + ${fieldLabel(c)}: ${formatValue(c.new)}`);
        else if (c.op === 'removed') lines.push(`      - ${fieldLabel(c)}: ${formatValue(c.old)}`);
        else lines.push(`      ~ ${fieldLabel(c)}: ${formatValue(c.old)} → ${formatValue(c.new)}`);
      }
    }
  }
  return lines;
}

export interface MarkdownContext {
  /** What the render was compared with, e.g. "`dist` at `origin/main`". */
  readonly base: string;
  /** The fleet file rendered. */
  readonly config: string;
}

export function formatMarkdown(diff: FleetDiff, ctx: MarkdownContext): string[] {
  const head = [
    '### meshc diff',
    '',
    `Render of ${code(ctx.config)} compared with ${ctx.base}.`,
    '',
    '| cluster | changes |',
    '| --- | --- |',
    ...diff.bundles.map((b) => `| ${code(b.bundle)} | ${bundleSummary(b)} |`),
  ];
  let size = head.join('\n').length;
  const body: string[] = [];
  for (const b of diff.bundles) {
    if (b.status === 'unchanged') continue;
    let section = bundleDetails(b);
    let length = section.join('\n').length + 1;
    if (size + length > MAX_MARKDOWN) {
      section = ['', `<details><summary><b>${escapeHtml(b.bundle)}</b>: ${bundleSummary(b)}</summary>`, '', 'Too large for a comment; run `npx meshc diff` to see it.', '', '</details>'];
      length = section.join('\n').length + 1;
    }
    size += length;
    body.push(...section);
  }
  return [...head, ...body];
}

function bundleDetails(b: BundleDiff): string[] {
  const lines = ['', `<details><summary><b>${escapeHtml(b.bundle)}</b>: ${bundleSummary(b)}</summary>`, ''];
  if (b.added.length > 0) lines.push('**Added**', '', ...b.added.map((id) => `- ${code(id)}`), '');
  if (b.removed.length > 0) lines.push('**Removed**', '', ...b.removed.map((id) => `- ${code(id)}`), '');
  if (b.changed.length > 0) {
    lines.push('**Changed**', '');
    for (const o of b.changed) {
      lines.push(code(o.id), '', '| field | old | new |', '| --- | --- | --- |');
      for (const c of o.changes) {
        const old = c.op === 'added' ? '–' : code(formatValue(c.old));
        const next = c.op === 'removed' ? '–' : code(formatValue(c.new));
        lines.push(`| ${code(fieldLabel(c))} | ${old} | ${next} |`);
      }
      lines.push('');
    }
  }
  lines.push('</details>');
  return lines;
}

/** A code span that survives table cells: pipes escaped, backticks fenced by longer runs. */
function code(text: string): string {
  const cell = text.replace(/\|/g, '\\|');
  const longest = Math.max(0, ...(cell.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  return longest === 0 ? `${fence}${cell}${fence}` : `${fence} ${cell} ${fence}`;
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
