// JUnit XML: one testsuite per engine, one testcase per scenario; a result
// that does not match its expectation is a failure.
import type { CorsLabResult } from '../harness/result/result.ts';
import { columnKey, findingBlocks, interruptionBanner, matrixColumns } from './labels.ts';

export function escapeXml(text: string): string {
  return text
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

export function renderJunit(result: CorsLabResult): string {
  // A research result has no cells: an empty report says nothing failed because nothing was asserted.
  if (result.kind === 'research')
    return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="cors-lab" tests="0" failures="0" time="${(result.durationMs / 1000).toFixed(3)}">\n</testsuites>\n`;
  const titles = new Map(result.scenarios.map((scenario) => [scenario.id, scenario]));
  const suites = matrixColumns(result).map(({ key, engine, variant }) => {
    const cells = result.results.filter((cell) => columnKey(cell) === key);
    const failures = cells.filter((cell) => !cell.matchesExpectation).length;
    const seconds = cells.reduce((sum, cell) => sum + cell.durationMs, 0) / 1000;
    const cases = cells.map((cell) => {
      const scenario = titles.get(cell.scenario);
      const open = `    <testcase classname="cors-lab.${escapeXml(variant ? `${variant}.${engine.id}` : engine.id)}" name="${escapeXml(cell.scenario)}" file="${escapeXml(scenario?.file ?? '')}" time="${(cell.durationMs / 1000).toFixed(3)}">`;
      const body = cell.matchesExpectation
        ? ''
        : `\n      <failure message="${escapeXml(`expected ${cell.expected}, got ${cell.outcome}`)}" type="${cell.verdict}">${escapeXml(`${cell.explanation}\nSpec: ${cell.specExplanation}`)}</failure>\n    `;
      // A request made otherwise is no failure (the outcome is the spec's), but CI readers see it beside the case.
      const mismatch = cell.requestMismatch ? `\n? ${cell.requestMismatch}` : '';
      // A known engine behaviour passes, and says which it is.
      const known =
        cell.deviation && (cell.verdict === 'known-deviation' || cell.verdict === 'cookie-policy')
          ? `\n${cell.verdict === 'cookie-policy' ? 'c' : '~'} ${cell.deviation.note ?? 'known deviation'} (source: ${cell.deviation.source})`
          : '';
      return `${open}${body}<system-out>${escapeXml(`${scenario?.title ?? ''}\n${cell.explanation}${known}${mismatch}`)}</system-out></testcase>`;
    });
    return `  <testsuite name="${escapeXml(`${variant ? `${variant} · ` : ''}${engine.id} ${engine.browser} ${engine.version}`)}" tests="${cells.length}" failures="${failures}" errors="0" time="${seconds.toFixed(3)}" timestamp="${result.startedAt}">\n${cases.join('\n')}\n  </testsuite>`;
  });
  // check's findings, one failing case per cause, so CI shows the hygiene ones too (their cells may all pass).
  const findings = result.kind === 'check' ? findingBlocks(result) : [];
  if (findings.length > 0) {
    const cases = findings.map(
      (block) =>
        `    <testcase classname="cors-lab.findings" name="${escapeXml(block.heading)}" time="0.000"><failure message="${escapeXml(block.heading)}" type="${escapeXml(block.kind)}">${escapeXml(block.details.join('\n'))}</failure></testcase>`,
    );
    suites.push(
      `  <testsuite name="cors-lab check findings" tests="${findings.length}" failures="${findings.length}" errors="0" time="0.000" timestamp="${result.startedAt}">\n${cases.join('\n')}\n  </testsuite>`,
    );
  }
  // An interrupted run is an error in CI, whatever its completed cells say.
  const banner = interruptionBanner(result);
  if (banner)
    suites.push(
      `  <testsuite name="cors-lab run" tests="1" failures="0" errors="1" time="0.000" timestamp="${result.startedAt}">\n    <testcase classname="cors-lab" name="interrupted" time="0.000"><error message="${escapeXml(banner)}" type="interrupted"/></testcase>\n  </testsuite>`,
    );
  const total = result.results.length + findings.length + (banner ? 1 : 0);
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="cors-lab" tests="${total}" failures="${result.summary.unexpected + findings.length}" errors="${banner ? 1 : 0}" time="${(result.durationMs / 1000).toFixed(3)}">\n${suites.join('\n')}\n</testsuites>\n`;
}
