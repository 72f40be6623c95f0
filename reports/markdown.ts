// Markdown for a pull-request comment or $GITHUB_STEP_SUMMARY.
import type { RunResult } from '../harness/run/result.ts';
import { cellIndex, engineHeading, summaryLine, verdictOf } from './labels.ts';

const ICON: Record<string, string> = { allowed: '✅ allowed', blocked: '⛔ blocked', error: '⚠️ error' };

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

export function renderMarkdown(result: RunResult): string {
  const index = cellIndex(result);
  const lines: string[] = [];
  const verdict = result.summary.unexpected === 0 ? 'all cells match their expectation' : `**${result.summary.unexpected} unexpected**`;
  lines.push('## cors-lab results', '', `${summaryLine(result)} — ${verdict}.`, '');
  lines.push(`| scenario | spec | ${result.engines.map(engineHeading).join(' | ')} |`);
  lines.push(`|---|---|${result.engines.map(() => '---').join('|')}|`);
  for (const scenario of result.scenarios) {
    const cells = result.engines.map((engine) => {
      const cell = index.get(scenario.id)?.get(engine.id);
      if (!cell) return '–';
      const kind = verdictOf(cell);
      const text = ICON[cell.outcome]!;
      return kind === 'unexpected' ? `**${text} (unexpected)**` : kind === 'known deviation' ? `${text} (known deviation)` : text;
    });
    lines.push(`| \`${scenario.id}\` ${escapeCell(scenario.title)} | ${scenario.expected.spec} | ${cells.join(' | ')} |`);
  }
  lines.push('', '| engine | browser | driver | CA trust |', '|---|---|---|---|');
  for (const engine of result.engines) {
    lines.push(`| ${engine.id} | ${escapeCell(`${engine.browser} ${engine.version}`)}${engine.launchError ? ` (launch failed: ${escapeCell(engine.launchError)})` : ''} | ${escapeCell(engine.driver)} | ${escapeCell(engine.trust)} |`);
  }
  for (const missing of result.enginesMissing) lines.push(`| ${missing.id} | not run: ${escapeCell(missing.reason)} | | fix: \`${escapeCell(missing.fix)}\` |`);
  const unexpected = result.results.filter((cell) => !cell.matchesExpectation);
  if (unexpected.length > 0) {
    lines.push('', '### Unexpected results', '');
    for (const cell of unexpected) lines.push(`- \`${cell.scenario}\` in ${cell.engine}: expected ${cell.expected}, got ${cell.outcome}. ${escapeCell(cell.explanation)}`);
  }
  return `${lines.join('\n')}\n`;
}
