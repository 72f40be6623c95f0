// `cors-lab diff` in words: the terminal, Markdown and HTML views of a
// RunDiff (the JSON view is the RunDiff itself). Every view says whether the
// runs are aligned, gives per-engine counts, and for each changed cell the
// old and new outcome with the evidence that changed and its likeliest cause.
import type { CellChange, DiffSide, RunDiff } from '../harness/result/diff.ts';
import { escapeHtml } from './research.ts';
import { fitLines, terminalWidth, together } from './fit.ts';
import { escapeCell, majorVersion, middlewareOf, type ColumnGroup } from './labels.ts';
import { matrixPage } from './html.ts';
import { summarize, type MatrixResult, type RunResult } from '../harness/result/result.ts';

const ORDER: CellChange['kind'][] = ['regressed', 'improved', 'changed', 'added', 'removed'];
const HEADINGS: Record<CellChange['kind'], string> = {
  regressed: 'Regressed',
  improved: 'Improved',
  changed: 'Changed (same standing, another outcome or verdict)',
  added: 'Added (only in the second run)',
  removed: 'Removed (only in the first run)',
};

function sideLine(side: DiffSide): string {
  const commit = side.runInfo?.commit
    ? ` @${side.runInfo.commit.id.slice(0, 10)}${side.runInfo.commit.dirty ? '+changes' : ''}`
    : '';
  return `${side.file}: ${side.kind}, ${side.startedAt}, cors-lab ${side.tool.version}${commit}, profile ${side.profile}; ${side.engines.map((engine) => `${engine.id} ${engine.version}`).join(', ') || 'no engine'}`;
}

/** The lines every view shares: the two runs, alignment, per-engine counts, and each change. */
export function diffLines(diff: RunDiff): {
  head: string[];
  engines: string[][];
  sections: { heading: string; changes: { title: string; details: string[] }[] }[];
  verdict: string;
} {
  const head = [
    `before: ${sideLine(diff.before)}`,
    `after:  ${sideLine(diff.after)}`,
    diff.aligned ? 'aligned: the same rows, profile and options' : `NOT aligned: ${diff.alignment.join('; ')}`,
  ];
  const engines = [
    ['engine', 'before → after', 'improved', 'regressed', 'changed', 'added', 'removed', 'verdict changes'],
    ...diff.engines.map((engine) => [
      `${engine.variant ? `${engine.variant} · ` : ''}${engine.engine}`,
      `${engine.before ?? '–'} → ${engine.after ?? '–'}`,
      ...[engine.improved, engine.regressed, engine.changed, engine.added, engine.removed, engine.verdictChanges].map(
        String,
      ),
    ]),
  ];
  const sections = ORDER.map((kind) => ({
    heading: `${HEADINGS[kind]} (${diff.changes.filter((change) => change.kind === kind).length})`,
    changes: diff.changes
      .filter((change) => change.kind === kind)
      .map((change) => ({
        title: `${change.scenario} in ${change.variant ? `${change.variant} · ` : ''}${change.engine}: ${change.before ? `${change.before.outcome} (${change.before.verdict})` : '–'} → ${change.after ? `${change.after.outcome} (${change.after.verdict})` : '–'}${change.kind === 'added' || change.kind === 'removed' ? '' : `; cause: ${change.cause}`}${change.kind === 'added' && change.after?.matchesExpectation === false ? ` — NOT AS EXPECTED (expected ${change.after.expected})` : ''}`,
        details: change.differences,
      })),
  })).filter((section) => section.changes.length > 0);
  const { improved, regressed, changed, added, removed, verdictChanges, unchanged } = diff.summary;
  const addedFailing = diff.summary.addedNotAsExpected;
  const verdict =
    diff.changes.length === 0
      ? `no changes (${unchanged} cells compared)`
      : `${regressed} regressed, ${improved} improved, ${changed} changed, ${added} added${addedFailing > 0 ? ` (${addedFailing} not as expected)` : ''}, ${removed} removed; ${verdictChanges} verdict changes; ${unchanged} cells unchanged`;
  return { head, engines, sections, verdict };
}

/** The terminal view, fitted to `width` (the engines table stays whole); `wide` leaves every line as long as it is. */
export function renderDiffTerminal(diff: RunDiff, options: { width?: number; wide?: boolean } = {}): string {
  const { head, engines: full, sections, verdict } = diffLines(diff);
  // Fitted: major versions, and a shorter last heading.
  const engines = options.wide
    ? full
    : full.map((row, at) =>
        at === 0
          ? [...row.slice(0, -1), 'verdicts']
          : [
              row[0]!,
              row[1]!
                .split(' → ')
                .map((version) => (version === '–' ? version : majorVersion(version)))
                .join(' → '),
              ...row.slice(2),
            ],
      );
  const widths = engines[0]!.map((_, column) => Math.max(...engines.map((row) => row[column]!.length)));
  // The verdict is never broken across lines: grep finds it in a log.
  const fit = (lines: string[]) =>
    options.wide
      ? lines
      : fitLines(
          lines.map((line) => line.replace(/NOT AS EXPECTED \(expected \w+\)/g, together)),
          options.width ?? terminalWidth(),
        );
  const lines = [
    ...fit(head),
    '',
    ...engines.map((row) =>
      row
        .map((cell, column) => cell.padEnd(widths[column]!))
        .join('  ')
        .trimEnd(),
    ),
  ];
  const table = lines.length;
  for (const section of sections) {
    lines.push('', `${section.heading}:`);
    for (const change of section.changes) {
      lines.push(`  ${change.title}`);
      for (const detail of change.details) lines.push(`    ${detail}`);
    }
  }
  lines.push('', verdict);
  return [...lines.slice(0, table), ...fit(lines.slice(table))].join('\n');
}

export function renderDiffMarkdown(diff: RunDiff): string {
  const { head, engines, sections, verdict } = diffLines(diff);
  const lines = [
    '## cors-lab diff',
    '',
    ...head.map((line) => `- ${escapeCell(line)}`),
    '',
    `| ${engines[0]!.join(' | ')} |`,
    `|${engines[0]!.map(() => '---').join('|')}|`,
    ...engines.slice(1).map((row) => `| ${row.map(escapeCell).join(' | ')} |`),
  ];
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

/** The diff as HTML: the two runs, alignment, per-engine counts, each change. */
function diffSummaryHtml(diff: RunDiff): string {
  const { head, engines, sections, verdict } = diffLines(diff);
  const table = `<table class="research-table"><thead><tr>${engines[0]!.map((cell) => `<th>${escapeHtml(cell)}</th>`).join('')}</tr></thead><tbody>${engines
    .slice(1)
    .map((row) => `<tr>${row.map((cell) => `<td>${escapeHtml(cell)}</td>`).join('')}</tr>`)
    .join('')}</tbody></table>`;
  const body = sections
    .map(
      (section) =>
        `<h3>${escapeHtml(section.heading)}</h3><ul>${section.changes.map((change) => `<li><strong>${escapeHtml(change.title)}</strong><ul>${change.details.map((detail) => `<li>${escapeHtml(detail)}</li>`).join('')}</ul></li>`).join('')}</ul>`,
    )
    .join('');
  return `<section id="diff" class="findings ${diff.summary.regressed > 0 ? 'bad' : 'good'}">
<h2>${escapeHtml(verdict)}</h2>
${head.map((line) => `<p>${line.startsWith('NOT aligned') ? `<strong>${escapeHtml(line)}</strong>` : escapeHtml(line)}</p>`).join('\n')}
${table}
${body}
<script type="application/json" id="cors-lab-diff">${JSON.stringify(diff).replace(/</g, '\\u003c')}</script>
</section>`;
}

/**
 * The diff's HTML page: the matrix page, with the earlier and the later
 * run's cells side by side ("before" and "after" column groups, each with its
 * engine builds and every cell's evidence), and the diff above it.
 */
export function renderDiffHtml(diff: RunDiff, before: MatrixResult, after: MatrixResult): string {
  const side = (result: MatrixResult, name: string) =>
    result.results.map((cell) => ({
      ...cell,
      variant: cell.variant === undefined ? name : `${name} · ${cell.variant}`,
    }));
  const groups = (result: MatrixResult, name: string): ColumnGroup[] =>
    (middlewareOf(result)?.variants.map((variant) => `${name} · ${variant.id}`) ?? [name]).map((id) => ({
      id,
      engines: result.engines,
    }));
  const shown = new Set(after.scenarios.map((scenario) => scenario.id));
  const results = [...side(before, 'before'), ...side(after, 'after')];
  const combined: RunResult = {
    ...after,
    kind: 'run',
    scenarios: [...after.scenarios, ...before.scenarios.filter((scenario) => !shown.has(scenario.id))],
    results,
    summary: summarize(results),
    middleware: undefined,
  };
  return matrixPage(combined, {
    title: 'cors-lab diff',
    groups: [...groups(before, 'before'), ...groups(after, 'after')],
    intro: diffSummaryHtml(diff),
  });
}

/** The diff's reporters; the HTML page needs the two results themselves, for their cells' evidence. */
export function diffReporters(before: MatrixResult, after: MatrixResult) {
  return {
    json: { file: 'diff.json', render: (diff: RunDiff) => `${JSON.stringify(diff, null, 2)}\n` },
    markdown: { file: 'diff.md', render: renderDiffMarkdown },
    html: { file: 'diff.html', render: (diff: RunDiff) => renderDiffHtml(diff, before, after) },
  } as const;
}

/** The diff's reporter names and default files, before any result is read. */
export const DIFF_REPORTER_FILES = {
  json: { file: 'diff.json' },
  markdown: { file: 'diff.md' },
  html: { file: 'diff.html' },
} as const;
