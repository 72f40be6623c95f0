// research history as people read it: in the terminal, one line per change
// (cut to the width); in Markdown, a table of changes; in HTML, a timeline
// per series: one row per scenario and aspect that changed, one column per
// build, a letter and colour per distinct behaviour, the behaviours spelled
// out under the row.
import type { HistoryStudy, HistoryTimeline } from '../harness/result/research.ts';
import { counted, escapeCell } from './labels.ts';
import { escapeHtml } from './research.ts';
import { fitLines } from './fit.ts';

const kindName = (kind: string) => (kind === 'headless-shell' ? 'headless shell' : 'full browser');

function seriesLines(study: HistoryStudy): string[] {
  return study.series.map(
    (series) =>
      `  ${series.family} ${kindName(series.kind)}: ${series.builds.map((build) => build.version).join(', ')}`,
  );
}

/** The terminal's form: majors only ("103–110, 112"), so a series of 30 builds fits a line. */
function seriesLinesShort(study: HistoryStudy, width: number): string[] {
  return study.series.flatMap((series) => [
    `  ${series.family} ${kindName(series.kind)}, ${counted(series.builds.length, 'build')}:`,
    ...wrap(series.builds.map((build) => build.version.split('.')[0]).join(', '), width - 6).map(
      (line) => `      ${line}`,
    ),
  ]);
}

/** A change in two lines: which scenario, engine and aspect; then the history itself, wrapped to the width. */
function changeLines(timeline: HistoryTimeline, width: number): string[] {
  return [
    `  ${timeline.scenario} (${timeline.family} ${kindName(timeline.kind)}, ${timeline.aspect})`,
    ...wrap(timeline.text, width - 6).map((line) => `      ${line}`),
  ];
}

function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  return line ? [...lines, line] : lines;
}

export function historyTerminal(study: HistoryStudy, width = 100): string {
  const what = [
    ...(study.studies.includes('catalog') ? [counted(study.scenarios, 'scenario')] : []),
    ...study.studies.filter((name) => name !== 'catalog').map((name) => `research ${name}`),
  ].join(' and ');
  const builds = study.series.reduce((count, series) => count + series.builds.length, 0);
  const lines = [
    `History of ${what} over ${counted(builds, 'build')} (${study.cells > 0 ? `${study.cells} cells in ` : ''}${(study.durationMs / 1000).toFixed(1)} s):`,
    ...seriesLinesShort(study, width),
    '',
  ];
  const byAspect = (aspect: string) => study.timelines.filter((timeline) => timeline.aspect === aspect);
  const changedRows = new Set(study.timelines.map((timeline) => timeline.scenario)).size;
  lines.push(
    `${study.rows} rows compared (each scenario, and each case of a study); ${changedRows} changed between builds, ${study.rows - changedRows} alike in every build of each series`,
    '',
  );
  lines.push(
    `Outcome changes between consecutive builds of one kind: ${byAspect('outcome').length}`,
    ...byAspect('outcome').flatMap((timeline) => changeLines(timeline, width)),
  );
  lines.push(
    `Request-shape changes (the engine's first request): ${byAspect('request').length}`,
    ...byAspect('request').flatMap((timeline) => changeLines(timeline, width)),
  );
  lines.push(
    `Journal changes (every request the lab saw): ${byAspect('journal').length} (in the Markdown and HTML reports)`,
  );
  if (study.kindDifferences.length > 0) {
    const journalOnly = study.kindDifferences.filter((entry) => entry.aspect === 'journal').length;
    lines.push(
      '',
      `Same version, other kind (full browser against headless shell): ${study.kindDifferences.length}${journalOnly > 0 ? ` (${journalOnly} of them in the journal, shown in the Markdown and HTML reports)` : ''}`,
    );
    for (const difference of study.kindDifferences.filter((entry) => entry.aspect !== 'journal')) {
      lines.push(
        `  ${difference.scenario} (${difference.family} ${difference.major}, ${difference.aspect})`,
        ...wrap(`full browser: ${difference.full.value}; headless shell: ${difference.shell.value}`, width - 6).map(
          (line) => `      ${line}`,
        ),
      );
    }
  }
  if (study.studies.includes('pna'))
    lines.push(
      '',
      'pna marks, per permission case: preflighted, simple and no-cors fetch; ✓ allowed, o opaque, ✗ blocked, - not sent, … held (a prompt nobody answers)',
    );
  if (study.errors.length > 0)
    lines.push(
      '',
      `${study.errors.length} cell(s) gave no answer and were left out of the comparison:`,
      ...study.errors.slice(0, 5).map((error) => `  ${error.scenario} in ${error.engine}: ${error.explanation}`),
    );
  for (const missing of study.enginesMissing)
    lines.push(`${missing.id}: not run (${missing.reason}). Fix: ${missing.fix}`);
  return `${fitLines(lines, width).join('\n')}\n`;
}

export function historyMarkdown(study: HistoryStudy): string {
  const lines = [
    '### What changed between builds',
    '',
    'Builds, oldest first, one series per engine and kind:',
    '',
    ...seriesLines(study).map((line) => `-${line.slice(1)}`),
    '',
  ];
  lines.push('| scenario | engine, kind | aspect | history |', '|---|---|---|---|');
  for (const timeline of study.timelines)
    lines.push(
      `| ${timeline.scenario} | ${timeline.family}, ${kindName(timeline.kind)} | ${timeline.aspect} | ${escapeCell(timeline.text)} |`,
    );
  if (study.timelines.length === 0)
    lines.push('| (none) | | | every scenario behaved alike in every build of each series |');
  if (study.kindDifferences.length > 0) {
    lines.push(
      '',
      '### Same version, other kind',
      '',
      '| scenario | engine, major | aspect | full browser | headless shell |',
      '|---|---|---|---|---|',
    );
    for (const difference of study.kindDifferences)
      lines.push(
        `| ${difference.scenario} | ${difference.family} ${difference.major} | ${difference.aspect} | ${escapeCell(difference.full.value)} | ${escapeCell(difference.shell.value)} |`,
      );
  }
  if (study.studies.includes('pna'))
    lines.push(
      '',
      'pna marks, per permission case: preflighted, simple and no-cors fetch; ✓ allowed, o opaque, ✗ blocked, - not sent, … held (a prompt nobody answers)',
    );
  if (study.errors.length > 0)
    lines.push(
      '',
      `${study.errors.length} cell(s) gave no answer and were left out: ${study.errors.map((error) => `${error.scenario} in ${error.engine}`).join(', ')}`,
    );
  return lines.join('\n');
}

const COLOURS = ['#d8ecff', '#ffe0b3', '#d9f2d9', '#f6d5f0', '#eeeeee', '#fff3a8'];

function timelineRow(timeline: HistoryTimeline, builds: { engine: string; version: string }[]): string {
  const values = [...new Set(timeline.stretches.map((stretch) => stretch.value))];
  const valueAt = (version: string) => {
    const index = builds.findIndex((build) => build.version === version);
    return timeline.stretches.find(
      (stretch) =>
        index >= builds.findIndex((build) => build.version === stretch.first.version) &&
        index <= builds.findIndex((build) => build.version === stretch.last.version),
    )?.value;
  };
  const cells = builds.map((build) => {
    const value = valueAt(build.version);
    if (value === undefined) return '<td class="none" title="no answer (error) or not measured">·</td>';
    const index = values.indexOf(value);
    return `<td class="mark" style="background:${COLOURS[index % COLOURS.length]}" title="${escapeHtml(`${build.version}: ${value}`)}">${String.fromCharCode(65 + index)}</td>`;
  });
  const legend = values
    .map(
      (value, index) =>
        `<span style="background:${COLOURS[index % COLOURS.length]}">${String.fromCharCode(65 + index)}</span> ${escapeHtml(value)}`,
    )
    .join('<br>');
  return `<tr><th class="row">${escapeHtml(timeline.scenario)} <span class="aspect">(${timeline.aspect})</span><div class="legend">${legend}</div></th>${cells.join('')}</tr>`;
}

export function historyHtml(study: HistoryStudy): string {
  const sections = study.series.map((series) => {
    const rows = study.timelines.filter(
      (timeline) => timeline.family === series.family && timeline.kind === series.kind,
    );
    const head = `<tr><th>scenario (aspect) and its behaviours</th>${series.builds.map((build) => `<th title="${escapeHtml(`${build.engine}: ${build.version}`)}">${escapeHtml(build.version.split('.')[0]!)}</th>`).join('')}</tr>`;
    const body =
      rows.length > 0
        ? rows.map((timeline) => timelineRow(timeline, series.builds)).join('\n')
        : `<tr><td colspan="${series.builds.length + 1}">every scenario behaved alike in every build</td></tr>`;
    return `<h3>${escapeHtml(series.family)} (${kindName(series.kind)}): ${series.builds.length} builds</h3><table class="research-table history">${head}${body}</table>`;
  });
  const kinds =
    study.kindDifferences.length === 0
      ? ''
      : `<h3>Same version, other kind</h3><table class="research-table"><tr><th>scenario</th><th>engine, major</th><th>aspect</th><th>full browser</th><th>headless shell</th></tr>${study.kindDifferences
          .map(
            (difference) =>
              `<tr><td>${escapeHtml(difference.scenario)}</td><td>${difference.family} ${difference.major}</td><td>${difference.aspect}</td><td>${escapeHtml(difference.full.value)}</td><td>${escapeHtml(difference.shell.value)}</td></tr>`,
          )
          .join('')}</table>`;
  const style =
    '<style>.history th.row { text-align: left; font-weight: normal; min-width: 28em; max-width: 48em; } .history th.row .legend { font-size: 12px; margin-top: 4px; } .history th.row .legend span { padding: 0 4px; } .history td.mark { text-align: center; padding: 2px 5px; } .history .aspect { color: #555; }</style>';
  return `${style}<section class="research"><h2>History: what changed between builds</h2><p>Each row is a scenario whose outcome, first request or journal changed between consecutive builds of one engine and kind; each letter is one behaviour (the legend under the scenario spells it out; hover over a cell for its build). Columns are builds, oldest first, headed by their major version.</p>${sections.join('\n')}${kinds}</section>`;
}
