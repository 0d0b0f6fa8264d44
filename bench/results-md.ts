// bench/RESULTS.md keeps the latest table of each benchmark between its own markers, so each
// bench rewrites only its section.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

const PATH = 'bench/RESULTS.md';

/** A Markdown table of `rows`, columns in the first row's key order. */
export function markdownTable(rows: readonly Record<string, unknown>[]): string {
  const columns = Object.keys(rows[0] ?? {});
  return [
    `| ${columns.join(' | ')} |`,
    `|${columns.map(() => '---').join('|')}|`,
    ...rows.map((row) => `| ${columns.map((c) => String(row[c])).join(' | ')} |`),
  ].join('\n');
}

/** WGSL-over-other ratios as bullet lines. */
export function ratioLines(ratios: Record<string, number>): string {
  return Object.entries(ratios)
    .map(([k, v]) => `- ${k}: **${v}** (above 1: WGSL is slower)`)
    .join('\n');
}

/** Replaces (or appends) the section between `<!-- name:begin ... -->` and `<!-- name:end -->`. */
export function writeResultsSection(name: string, writer: string, lines: readonly string[]): void {
  const section = [`<!-- ${name}:begin (written by ${writer}) -->`, ...lines, `<!-- ${name}:end -->`].join(
    '\n',
  );
  const old = existsSync(PATH) ? readFileSync(PATH, 'utf8') : '# Benchmark results\n';
  const pattern = new RegExp(`<!-- ${name}:begin[\\s\\S]*?<!-- ${name}:end -->`);
  writeFileSync(PATH, pattern.test(old) ? old.replace(pattern, section) : `${old.trimEnd()}\n\n${section}\n`);
}
