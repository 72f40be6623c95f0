// research compat as people read it: a compact terminal view (one line per
// feature and engine, a mark and a legend, sized to the terminal), a
// Markdown table ready to paste into an upstream issue, and an HTML section
// with each row's evidence and diagnosis, one anchor per feature.
import type { CompatStudy, CompatVerdictRow } from '../harness/result/research.ts';
import { escapeCell } from './labels.ts';
import { cutTo, escapeHtml } from './research.ts';
import { fitLines } from './fit.ts';

const MARK: Record<CompatVerdictRow['verdict'], string> = { agree: '=', disagree: '≠', 'not comparable': '·' };

/** An anchor for a feature's section, from its BCD key. */
export function compatAnchor(key: string): string {
  return `bcd-${key.replace(/[^\w-]+/g, '-')}`;
}

function measuredWords(row: CompatVerdictRow): string {
  return row.measured.supported === null ? 'not measured' : row.measured.supported ? 'supported' : 'not supported';
}

/** A claim in a few words, for the terminal. */
function shortClaim(row: CompatVerdictRow): string {
  const { claim } = row;
  if (claim.status === 'flag')
    return `flag: ${claim.flags!.map((flag) => `${flag.name}${flag.valueToSet !== undefined ? `=${flag.valueToSet}` : ''}`).join(', ')} (since ${claim.since})`;
  if (claim.status === 'supported' || claim.status === 'partial')
    return `${claim.status === 'partial' ? 'partial' : 'yes'} since ${claim.since}`;
  return claim.status === 'not-supported' ? 'no' : 'unknown';
}

const yesNo = (supported: boolean | null) => (supported === null ? '—' : supported ? 'yes' : 'no');

/** One line per feature and engine (and one for a preference run), cut to `width` columns, the prose wrapped to it; the details are in the Markdown and HTML reports. */
export function compatTerminal(study: CompatStudy, width = 100): string {
  const cut = cutTo(width);
  const rows = study.features.flatMap((feature) => feature.engines);
  const engineWidth = Math.max(6, ...rows.map((row) => row.engine.length));
  const lines = [
    `BCD ${study.bcd.version} against the measured cells${study.source.kind === 'file' ? ` of ${study.source.file}` : ''} (= agree, ≠ disagree, · not comparable):`,
  ];
  // Once per engine: which BCD browser and version its column is compared with, and why where it is another browser.
  for (const row of new Map(rows.map((entry) => [entry.engine, entry])).values()) {
    lines.push(
      `  ${row.engine} against ${row.claim.browser} ${row.claim.atVersion}'s data${row.comparedWith ? ` (${row.comparedWith.replace(/: compared with .*$/, '')})` : ''}`,
    );
  }
  for (const feature of study.features) {
    lines.push('', cut(feature.key));
    for (const row of feature.engines) {
      lines.push(
        cut(
          `  ${MARK[row.verdict]} ${row.engine.padEnd(engineWidth)}  measured ${yesNo(row.measured.supported).padEnd(3)}  BCD ${shortClaim(row)}`,
        ),
      );
      if (row.flagRun) {
        const flagLine =
          'supported' in row.flagRun
            ? `with that preference set: measured ${yesNo(row.flagRun.supported)}${row.flagRun.matchesClaim ? ', as BCD says' : ', which BCD does not say'}`
            : `that preference: ${row.flagRun.notRun}`;
        lines.push(`    ${' '.repeat(engineWidth)}  ${flagLine}`);
      }
    }
  }
  const count = (verdict: CompatVerdictRow['verdict']) => rows.filter((row) => row.verdict === verdict).length;
  lines.push(
    '',
    `${count('agree')} agree, ${count('disagree')} disagree, ${count('not comparable')} not comparable; each row's evidence, and each disagreement's diagnosis, are in the Markdown and HTML reports`,
  );
  for (const missing of study.enginesMissing) lines.push(`${missing.id}: not run (${missing.reason})`);
  // The rows were cut to the width; the prose around them wraps.
  return `${fitLines(lines, width).join('\n')}\n`;
}

/** The table to paste into an upstream issue: feature, browser, BCD claim, measured, evidence. */
export function compatMarkdown(study: CompatStudy): string {
  const lines = [`### cors-lab measurements against @mdn/browser-compat-data ${study.bcd.version}`, ''];
  lines.push('| feature | engine | BCD claim | measured | verdict | evidence |', '|---|---|---|---|---|---|');
  for (const feature of study.features) {
    for (const row of feature.engines) {
      const flag = row.flagRun
        ? 'supported' in row.flagRun
          ? `; with \`${row.flagRun.setting}\`: ${row.flagRun.text}`
          : `; \`${row.flagRun.setting}\`: ${row.flagRun.notRun}`
        : '';
      lines.push(
        `| \`${feature.key}\` | ${escapeCell(row.engine)} | ${escapeCell(`${row.claim.browser} ${row.claim.atVersion}: ${row.claim.text}${row.comparedWith ? ` (${row.comparedWith})` : ''}`)} | ${measuredWords(row)} | ${row.verdict} | ${escapeCell(`${row.measured.text}${flag}`)} |`,
      );
    }
  }
  const disagreements = study.features.flatMap((feature) =>
    feature.engines
      .filter((row) => row.diagnosis)
      .map((row) => `- \`${feature.key}\` in ${row.engine}: ${escapeCell(row.diagnosis!)}`),
  );
  if (disagreements.length > 0) lines.push('', '#### Disagreements', '', ...disagreements);
  for (const missing of study.enginesMissing) lines.push(`- ${missing.id}: not run (${escapeCell(missing.reason)})`);
  return `${lines.join('\n')}\n`;
}

export function compatHtml(study: CompatStudy): string {
  const sections = study.features.map((feature) => {
    const rows = feature.engines.map((row) => {
      const cells = row.measured.cells
        .map(
          (cell) =>
            `${escapeHtml(cell.scenario)}: ${escapeHtml(cell.measured)} (supported: ${escapeHtml(cell.wanted)})`,
        )
        .join('<br>');
      const flag = row.flagRun
        ? `<br><i>${escapeHtml('supported' in row.flagRun ? `with ${row.flagRun.setting}: ${row.flagRun.text}` : `${row.flagRun.setting}: ${row.flagRun.notRun}`)}</i>`
        : '';
      return `<tr class="compat-${row.verdict.replace(' ', '-')}"><td>${escapeHtml(row.engine)}</td><td>${escapeHtml(`${row.claim.browser} ${row.claim.atVersion}: ${row.claim.text}`)}${row.comparedWith ? `<br><small>${escapeHtml(row.comparedWith)}</small>` : ''}${row.claim.notes.length ? `<br><small>${escapeHtml(row.claim.notes.join(' '))}</small>` : ''}</td><td>${measuredWords(row)}<br><small>${cells}</small>${flag}</td><td><b>${row.verdict}</b><br><small>${escapeHtml(row.diagnosis ?? row.reason)}</small></td></tr>`;
    });
    const link = feature.mdnUrl ? ` <a href="${escapeHtml(feature.mdnUrl)}#browser_compatibility">MDN</a>` : '';
    return `<h3 id="${compatAnchor(feature.key)}"><code>${escapeHtml(feature.key)}</code>${link}</h3><p>${escapeHtml(feature.title)}</p><table class="research-table"><thead><tr><th>engine</th><th>BCD claim</th><th>measured</th><th>verdict</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
  });
  return `<section class="research"><h2>Measured against @mdn/browser-compat-data ${escapeHtml(study.bcd.version)}</h2>${scenarioMatrix(study)}${sections.join('')}</section>`;
}

/** The matrix rows behind the features: each scenario's cells per engine, linked to the features it decides. */
function scenarioMatrix(study: CompatStudy): string {
  const engines = [...new Set(study.features.flatMap((feature) => feature.engines.map((row) => row.engine)))];
  const scenarios = [...new Set(study.features.flatMap((feature) => feature.scenarios))];
  const rows = scenarios.map((scenario) => {
    const features = study.features.filter((feature) => feature.scenarios.includes(scenario));
    const cells = engines.map((engine) => {
      const cell = features
        .flatMap((feature) =>
          feature.engines.filter((row) => row.engine === engine).flatMap((row) => row.measured.cells),
        )
        .find((candidate) => candidate.scenario === scenario);
      return `<td>${escapeHtml(cell?.measured ?? 'not measured')}</td>`;
    });
    const links = features
      .map((feature) => `<a href="#${compatAnchor(feature.key)}"><code>${escapeHtml(feature.key)}</code></a>`)
      .join('<br>');
    return `<tr><td><code>${escapeHtml(scenario)}</code></td>${cells.join('')}<td>${links}</td></tr>`;
  });
  return `<h3>The matrix rows behind the features</h3><table class="research-table"><thead><tr><th>scenario</th>${engines.map((engine) => `<th>${escapeHtml(engine)}</th>`).join('')}<th>BCD feature</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}
