// The terminal matrix: one row per scenario, a "spec" column, then one
// column per engine headed by its exact version.
import { styleText } from 'node:util';
import type { RunResult } from '../harness/run/result.ts';
import { cellIndex, engineHeading, LEGEND, MARKS, specDisagreements, summaryLine, verdictOf } from './labels.ts';

type Style = Parameters<typeof styleText>[0];

export interface TerminalOptions {
  color: boolean;
}

export function renderTerminal(result: RunResult, options: TerminalOptions): string {
  const paint = (style: Style, text: string) => (options.color ? styleText(style, text, { validateStream: false }) : text);
  const outcomeStyle: Record<string, Style> = { allowed: 'green', blocked: 'yellow', error: 'red' };
  const index = cellIndex(result);
  const headings = ['scenario', 'spec', ...result.engines.map(engineHeading)];
  const rows = result.scenarios.map((scenario) => {
    const cells = result.engines.map((engine) => {
      const cell = index.get(scenario.id)?.get(engine.id);
      if (!cell) return { text: '-', style: 'gray' as Style };
      const label = verdictOf(cell);
      const loud = label === 'unexpected' || label === 'new finding';
      return { text: `${cell.outcome}${MARKS[label]}`, style: (loud ? ['bold', outcomeStyle[cell.outcome]!] : outcomeStyle[cell.outcome]!) as Style };
    });
    return [{ text: scenario.id, style: 'reset' as Style }, { text: scenario.expected.spec, style: 'dim' as Style }, ...cells];
  });
  const widths = headings.map((heading, column) => Math.max(heading.length, ...rows.map((row) => row[column]!.text.length)));
  const pad = (text: string, column: number) => text.padEnd(widths[column]!);
  const lines: string[] = [];
  lines.push(headings.map((heading, column) => paint('bold', pad(heading, column))).join('  '));
  lines.push(widths.map((width) => '─'.repeat(width)).join('  '));
  for (const row of rows) lines.push(row.map((cell, column) => paint(cell.style, pad(cell.text, column))).join('  '));
  lines.push('');
  for (const engine of result.engines) {
    const state = engine.launchError
      ? paint('red', `launch failed: ${engine.launchError}`)
      : `${engine.driver}; trust: ${engine.trust}; profile ${engine.profile}: ${engine.cookieSettings}`;
    lines.push(`${paint('bold', engine.id)}: ${engine.browser} ${engine.version} — ${state}`);
  }
  for (const missing of result.enginesMissing) {
    lines.push(`${paint('bold', missing.id)}: ${paint('red', 'not run')} — ${missing.reason}. Fix: ${missing.fix}`);
  }
  const unexpected = result.results.filter((cell) => !cell.matchesExpectation);
  if (unexpected.length > 0) {
    lines.push('', paint('bold', 'Not as expected (new findings and errors):'));
    for (const cell of unexpected) {
      lines.push(`  ${cell.scenario} in ${cell.engine}: the spec predicts ${cell.spec}${cell.expected !== cell.spec ? ` (expected here: ${cell.expected})` : ''}, measured ${cell.outcome}. ${cell.explanation} Spec: ${cell.specExplanation}`);
    }
  }
  const disagreements = specDisagreements(result);
  if (disagreements.length > 0) {
    lines.push('', paint('bold', 'Scenario files that disagree with the spec model:'));
    for (const line of disagreements) lines.push(`  ${line}`);
  }
  lines.push('', `${summaryLine(result)}  in ${(result.durationMs / 1000).toFixed(1)} s`, `(${LEGEND})`);
  return lines.join('\n');
}
