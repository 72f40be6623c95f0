// Markdown for a pull-request comment or $GITHUB_STEP_SUMMARY.
import type { CorsLabResult, MatrixResult, ResearchResult } from '../harness/result/result.ts';
import {
  cellIndex,
  escapeCell,
  interruptionBanner,
  matrixColumns,
  middlewareLines,
  knownBehaviourLines,
  requestMismatchLines,
  specDisagreements,
  summaryLine,
  sweepVerdict,
  verdictOf,
  findingBlocks,
  findingsHeadline,
  flakyLines,
  sourceLines,
  specColumnText,
} from './labels.ts';
import { maxAgeMarkdown, pnaMarkdown } from './research.ts';
import { compatMarkdown } from './compat.ts';
import { historyMarkdown } from './history.ts';

const ICON: Record<string, string> = { allowed: '✅ allowed', blocked: '⛔ blocked', error: '⚠️ error' };

export function renderMarkdown(result: CorsLabResult): string {
  return result.kind === 'research' ? researchMarkdown(result) : matrixMarkdown(result);
}

/** The engines that ran, and those that did not, with why. */
function engineTable(result: CorsLabResult): string[] {
  const lines = ['| engine | browser | driver | CA trust | profile and cookie settings |', '|---|---|---|---|---|'];
  for (const engine of result.engines) {
    lines.push(
      `| ${engine.id} | ${escapeCell(`${engine.browser} ${engine.version}`)} | ${escapeCell(engine.driver)} | ${escapeCell(engine.trust)} | ${escapeCell(`${engine.profile}: ${engine.cookieSettings}`)} |`,
    );
  }
  for (const missing of result.enginesMissing)
    lines.push(`| ${missing.id} | not run: ${escapeCell(missing.reason)} | | fix: \`${escapeCell(missing.fix)}\` | |`);
  return lines;
}

function researchMarkdown(result: ResearchResult): string {
  const lines = ['## cors-lab research', '', ...engineTable(result)];
  if (result.research.maxAge) lines.push('', maxAgeMarkdown(result.research.maxAge));
  if (result.research.pna) lines.push('', pnaMarkdown(result.research.pna));
  if (result.research.compat) lines.push('', compatMarkdown(result.research.compat));
  if (result.research.history) lines.push('', historyMarkdown(result.research.history));
  return `${lines.join('\n')}\n`;
}

function matrixMarkdown(result: MatrixResult): string {
  const index = cellIndex(result);
  const lines: string[] = [];
  const verdict =
    result.summary.unexpected === 0
      ? 'all cells match their expectation'
      : `**${result.summary.unexpected} unexpected**`;
  lines.push('## cors-lab results', '');
  const banner = interruptionBanner(result);
  if (banner) lines.push(`> **${escapeCell(banner)}**`, '');
  lines.push(`${summaryLine(result)} — ${verdict}.`, '');
  const columns = matrixColumns(result);
  lines.push(`| scenario | spec | ${columns.map((column) => column.heading).join(' | ')} |`);
  lines.push(`|---|---|${columns.map(() => '---').join('|')}|`);
  for (const scenario of result.scenarios) {
    const cells = columns.map((column) => {
      const cell = index.get(scenario.id)?.get(column.key);
      if (!cell) return '–';
      const label = verdictOf(cell);
      const text = ICON[cell.outcome]!;
      const mismatch = cell.requestMismatch ? ' (?)' : '';
      if (label === 'matches') return `${text}${mismatch}`;
      return label === 'known deviation' || label === 'cookie policy'
        ? `${text} (${label})${mismatch}`
        : `**${text} (${label})**${mismatch}`;
    });
    lines.push(
      `| \`${scenario.id}\` ${escapeCell(scenario.title)} | ${escapeCell(specColumnText(result, scenario))} | ${cells.join(' | ')} |`,
    );
  }
  lines.push('', ...engineTable(result));
  const middlewares = middlewareLines(result);
  if (middlewares.length > 0) {
    lines.push('', '### Middlewares', '');
    for (const line of middlewares)
      lines.push(line.startsWith('  ') ? `  - ${escapeCell(line.trim())}` : `- **${escapeCell(line)}**`);
  }
  if (result.kind === 'check') {
    for (const line of sourceLines(result))
      lines.push(line.startsWith('  ') ? `  - ${escapeCell(line.trim())}` : `\n${escapeCell(line)}\n`);
    lines.push(
      '',
      `### ${escapeCell(sweepVerdict(result).headline)}`,
      '',
      `### ${escapeCell(findingsHeadline(result))}`,
      '',
    );
    for (const block of findingBlocks(result)) {
      lines.push(`- ❌ **${escapeCell(block.heading)}**`);
      for (const detail of block.details) lines.push(`  - ${escapeCell(detail)}`);
    }
  }
  const unexpected = result.results.filter((cell) => !cell.matchesExpectation && cell.verdict !== 'flaky');
  if (unexpected.length > 0) {
    lines.push('', '### Not as expected (new findings and errors)', '');
    for (const cell of unexpected)
      lines.push(
        `- \`${cell.scenario}\` in ${cell.variant ? `${cell.variant} · ` : ''}${cell.engine}: the spec predicts ${cell.spec}, measured ${cell.outcome}. ${escapeCell(cell.explanation)} Spec: ${escapeCell(cell.specExplanation)}`,
      );
  }
  if (result.kind === 'run' && result.compat) lines.push('', compatMarkdown(result.compat));
  const flaky = flakyLines(result);
  if (flaky.length > 0) {
    lines.push('', '### Flaky (the attempts disagreed)', '');
    for (const line of flaky)
      lines.push(line.startsWith('  ') ? `  - ${escapeCell(line.trim())}` : `- ${escapeCell(line)}`);
  }
  const known = knownBehaviourLines(result);
  if (known.length > 0) {
    lines.push('', '### Known engine behaviours (~, c and request shapes)', '');
    for (const line of known) lines.push(`- ${escapeCell(line)}`);
  }
  const mismatches = requestMismatchLines(result);
  if (mismatches.length > 0) {
    lines.push('', "### The spec's outcome, but the request made otherwise (?)", '');
    for (const line of mismatches) lines.push(`- ${escapeCell(line)}`);
  }
  const disagreements = specDisagreements(result);
  if (disagreements.length > 0) {
    lines.push('', '### Scenario files that disagree with the spec model', '');
    for (const line of disagreements) lines.push(`- ${escapeCell(line)}`);
  }
  return `${lines.join('\n')}\n`;
}
