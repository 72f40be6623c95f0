// `cors-lab diff` in words: the terminal, Markdown and HTML views of a
// RunDiff (the JSON view is the RunDiff itself). Every view says whether the
// runs are aligned, gives per-engine counts, and for each changed cell the
// old and new outcome with the evidence that changed and its likeliest cause.
import type { CellChange, DiffSide, RunDiff } from '../harness/result/diff.ts';
import { escapeHtml } from './research.ts';
import { escapeCell } from './labels.ts';

const ORDER: CellChange['kind'][] = ['regressed', 'improved', 'changed', 'added', 'removed'];
const HEADINGS: Record<CellChange['kind'], string> = { regressed: 'Regressed', improved: 'Improved', changed: 'Changed (same standing, another outcome or verdict)', added: 'Added (only in the second run)', removed: 'Removed (only in the first run)' };

function sideLine(side: DiffSide): string {
  const commit = side.runInfo?.commit ? ` @${side.runInfo.commit.id.slice(0, 10)}${side.runInfo.commit.dirty ? '+changes' : ''}` : '';
  return `${side.file}: ${side.kind}, ${side.startedAt}, cors-lab ${side.tool.version}${commit}, profile ${side.profile}; ${side.engines.map((engine) => `${engine.id} ${engine.version}`).join(', ') || 'no engine'}`;
}

/** The lines every view shares: the two runs, alignment, per-engine counts, and each change. */
export function diffLines(diff: RunDiff): { head: string[]; engines: string[][]; sections: { heading: string; changes: { title: string; details: string[] }[] }[]; verdict: string } {
  const head = [`before: ${sideLine(diff.before)}`, `after:  ${sideLine(diff.after)}`, diff.aligned ? 'aligned: the same rows, profile and options' : `NOT aligned: ${diff.alignment.join('; ')}`];
  const engines = [['engine', 'before → after', 'improved', 'regressed', 'changed', 'added', 'removed', 'verdict changes'], ...diff.engines.map((engine) => [`${engine.variant ? `${engine.variant} · ` : ''}${engine.engine}`, `${engine.before ?? '–'} → ${engine.after ?? '–'}`, ...[engine.improved, engine.regressed, engine.changed, engine.added, engine.removed, engine.verdictChanges].map(String)])];
  const sections = ORDER.map((kind) => ({
    heading: `${HEADINGS[kind]} (${diff.changes.filter((change) => change.kind === kind).length})`,
    changes: diff.changes
      .filter((change) => change.kind === kind)
      .map((change) => ({
        title: `${change.scenario} in ${change.variant ? `${change.variant} · ` : ''}${change.engine}: ${change.before ? `${change.before.outcome} (${change.before.verdict})` : '–'} → ${change.after ? `${change.after.outcome} (${change.after.verdict})` : '–'}${change.kind === 'added' || change.kind === 'removed' ? '' : `; cause: ${change.cause}`}`,
        details: change.differences,
      })),
  })).filter((section) => section.changes.length > 0);
  const { improved, regressed, changed, added, removed, verdictChanges, unchanged } = diff.summary;
  const verdict = diff.changes.length === 0 ? `no changes (${unchanged} cells compared)` : `${regressed} regressed, ${improved} improved, ${changed} changed, ${added} added, ${removed} removed; ${verdictChanges} verdict changes; ${unchanged} cells unchanged`;
  return { head, engines, sections, verdict };
}

export function renderDiffTerminal(diff: RunDiff): string {
  const { head, engines, sections, verdict } = diffLines(diff);
  const widths = engines[0]!.map((_, column) => Math.max(...engines.map((row) => row[column]!.length)));
  const lines = [...head, '', ...engines.map((row) => row.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd())];
  for (const section of sections) {
    lines.push('', `${section.heading}:`);
    for (const change of section.changes) {
      lines.push(`  ${change.title}`);
      for (const detail of change.details) lines.push(`    ${detail}`);
    }
  }
  lines.push('', verdict);
  return lines.join('\n');
}

export function renderDiffMarkdown(diff: RunDiff): string {
  const { head, engines, sections, verdict } = diffLines(diff);
  const lines = ['## cors-lab diff', '', ...head.map((line) => `- ${escapeCell(line)}`), '', `| ${engines[0]!.join(' | ')} |`, `|${engines[0]!.map(() => '---').join('|')}|`, ...engines.slice(1).map((row) => `| ${row.map(escapeCell).join(' | ')} |`)];
  for (const section of sections) {
    lines.push('', `### ${section.heading}`, '');
    for (const change of section.changes) {
      lines.push(`- **${escapeCell(change.title)}**`);
      for (const detail of change.details) lines.push(`  - ${escapeCell(detail)}`);
    }
  }
  lines.push('', `**${verdict}**`);
  return `${lines.join('\n')}\n`;
}

export function renderDiffHtml(diff: RunDiff): string {
  const { head, engines, sections, verdict } = diffLines(diff);
  const table = `<table><thead><tr>${engines[0]!.map((cell) => `<th>${escapeHtml(cell)}</th>`).join('')}</tr></thead><tbody>${engines
    .slice(1)
    .map((row) => `<tr>${row.map((cell) => `<td>${escapeHtml(cell)}</td>`).join('')}</tr>`)
    .join('')}</tbody></table>`;
  const body = sections
    .map((section) => `<h2>${escapeHtml(section.heading)}</h2><ul>${section.changes.map((change) => `<li><strong>${escapeHtml(change.title)}</strong><ul>${change.details.map((detail) => `<li>${escapeHtml(detail)}</li>`).join('')}</ul></li>`).join('')}</ul>`)
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>cors-lab diff</title>
<style>
body { font-family: system-ui, sans-serif; margin: 24px; color: #1d2330; background: #f7f8fa; }
table { border-collapse: collapse; margin: 12px 0; } td, th { border: 1px solid #d5d9e0; padding: 4px 8px; text-align: left; }
.verdict { font-weight: bold; } .notaligned { color: #b71c1c; font-weight: bold; } li li { color: #3b4252; font-size: 14px; }
</style></head><body>
<h1>cors-lab diff</h1>
${head.map((line) => `<p class="${line.startsWith('NOT aligned') ? 'notaligned' : ''}">${escapeHtml(line)}</p>`).join('\n')}
${table}
${body}
<p class="verdict">${escapeHtml(verdict)}</p>
<script type="application/json" id="diff">${JSON.stringify(diff).replace(/</g, '\\u003c')}</script>
</body></html>
`;
}

export const DIFF_REPORTERS = {
  json: { file: 'diff.json', render: (diff: RunDiff) => `${JSON.stringify(diff, null, 2)}\n` },
  markdown: { file: 'diff.md', render: renderDiffMarkdown },
  html: { file: 'diff.html', render: renderDiffHtml },
} as const;
