// Research studies as people read them: a Markdown table per study (rows the
// cases, columns the engines with their exact builds), and for the HTML
// report the same table with each cell's evidence, plus an SVG timeline per
// engine: every trial's second request against elapsed clock time, a filled
// mark where a preflight was sent, an open one where the cache answered.
import type { EngineInfo } from '../harness/engines/types.ts';
import { counted, escapeCell, shortEngineHeading } from './labels.ts';
import { fitLines } from './fit.ts';
import {
  PAGE_MECHANISMS,
  PAGE_SECURITIES,
  PERMISSION_CASES,
  PNA_REQUESTS,
  TARGET_SPACES,
  type MaxAgeEngineResult,
  type MaxAgeStudy,
  type PageMechanism,
  type PageSecurity,
  type PnaEngineResult,
  type PnaObservation,
  type PnaStudy,
  type TargetSpace,
} from '../harness/result/research.ts';

export const escapeHtml = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** A column heading that names the exact build and driver (a Playwright build says so in its browser name). */
function engineColumn(result: { engine: EngineInfo; clock?: MaxAgeEngineResult['clock'] }): string {
  return `${result.engine.id} ${result.engine.version} (${result.engine.browser}, ${result.engine.driver}${result.clock ? `; ${result.clock.mode} time` : ''})`;
}

/** The short form of a lifetime for a table cell. */
function cellText(lifetime: MaxAgeEngineResult['cases'][number]['lifetime']): string {
  switch (lifetime.kind) {
    case 'bracket':
      return `${lifetime.cachedAt}–${lifetime.refetchedAt} s (cached at ${lifetime.cachedAt} s, re-preflighted at ${lifetime.refetchedAt} s)`;
    case 'not-cached':
      return lifetime.time === 'controlled'
        ? 'not cached (re-preflighted at once)'
        : `not cached at ${lifetime.refetchedAt} s (shortest interval measured, real time)`;
    case 'lower-bound':
      return `≥ ${lifetime.cachedAt} s, lower bound (${lifetime.time} time)`;
    case 'error':
      return `error: ${lifetime.error ?? 'unknown'}`;
  }
}

export function maxAgeMarkdown(study: MaxAgeStudy): string {
  const lines = ['### Preflight-cache lifetime by Access-Control-Max-Age', ''];
  lines.push(`| Max-Age | ${study.engines.map((engine) => escapeCell(engineColumn(engine))).join(' | ')} |`);
  lines.push(`|---|${study.engines.map(() => '---').join('|')}|`);
  for (const [index, entry] of (study.engines[0]?.cases ?? []).entries()) {
    lines.push(
      `| ${escapeCell(entry.label)} | ${study.engines.map((engine) => escapeCell(cellText(engine.cases[index]!.lifetime))).join(' | ')} |`,
    );
  }
  lines.push('');
  for (const engine of study.engines)
    lines.push(`- ${engine.engine.id}: clock ${engine.clock.mode}: ${escapeCell(engine.clock.detail)}`);
  for (const missing of study.enginesMissing) lines.push(`- ${missing.id}: not run (${escapeCell(missing.reason)})`);
  lines.push(
    `- Real-time measurements wait at most ${study.maxWaitSeconds} s (--max-wait); a longer lifetime is a lower bound, never a guess.`,
  );
  return `${lines.join('\n')}\n`;
}

export function maxAgeHtml(study: MaxAgeStudy): string {
  const head = `<tr><th>Max-Age</th>${study.engines.map((engine) => `<th>${escapeHtml(engineColumn(engine))}</th>`).join('')}</tr>`;
  const rows = (study.engines[0]?.cases ?? []).map((entry, index) => {
    const cells = study.engines.map((engine) => {
      const measured = engine.cases[index]!;
      const trials = measured.trials
        .map(
          (trial) =>
            `${trial.elapsed} s: ${trial.cached ? 'cached' : 'preflight sent'} (journal ${trial.preflights.map((seq) => `#${seq}`).join(', ')})`,
        )
        .join('<br>');
      return `<td><b>${escapeHtml(cellText(measured.lifetime))}</b><details><summary>${counted(measured.trials.length, 'trial')}</summary>${trials}</details></td>`;
    });
    return `<tr><td><code>${escapeHtml(entry.label)}</code></td>${cells.join('')}</tr>`;
  });
  const clocks = study.engines
    .map((engine) => `<li><b>${escapeHtml(engine.engine.id)}</b>: ${escapeHtml(engine.clock.detail)}</li>`)
    .join('');
  const timelines = study.engines
    .map(
      (engine) =>
        `<figure><figcaption>${escapeHtml(engineColumn(engine))}</figcaption>${maxAgeTimeline(engine)}</figure>`,
    )
    .join('');
  return `<section class="research"><h2>Preflight-cache lifetime by Access-Control-Max-Age</h2><table class="research-table"><thead>${head}</thead><tbody>${rows.join('')}</tbody></table><ul>${clocks}</ul>${timelines}</section>`;
}

/**
 * One row per case; x is the elapsed clock time of each trial's second
 * request on a log scale (0.5 s to 2 days); filled red: a preflight was sent
 * (the entry had expired); open green: served from the cache.
 */
export function maxAgeTimeline(engine: MaxAgeEngineResult): string {
  const width = 760;
  const left = 150;
  const row = 22;
  const height = 40 + engine.cases.length * row;
  const minLog = Math.log10(0.5);
  const maxLog = Math.log10(2 * 86400);
  const x = (seconds: number) =>
    left + ((Math.log10(Math.max(seconds, 0.5)) - minLog) / (maxLog - minLog)) * (width - left - 10);
  const ticks = [1, 10, 60, 600, 3600, 7200, 86400].map((seconds) => {
    const label = seconds >= 3600 ? `${seconds / 3600} h` : seconds >= 60 ? `${seconds / 60} min` : `${seconds} s`;
    return `<line x1="${x(seconds)}" y1="20" x2="${x(seconds)}" y2="${height - 10}" stroke="#ddd"/><text x="${x(seconds)}" y="14" font-size="10" text-anchor="middle">${label}</text>`;
  });
  const rows = engine.cases.map((entry, index) => {
    const y = 34 + index * row;
    const marks = entry.trials.map((trial) =>
      trial.cached
        ? `<circle cx="${x(trial.elapsed)}" cy="${y}" r="4" fill="none" stroke="#2e7d32"><title>${trial.elapsed} s: cached</title></circle>`
        : `<circle cx="${x(trial.elapsed)}" cy="${y}" r="4" fill="#c62828"><title>${trial.elapsed} s: preflight sent</title></circle>`,
    );
    return `<text x="4" y="${y + 4}" font-size="11">${escapeHtml(entry.label)}</text>${marks.join('')}`;
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="preflight cache timeline for ${escapeHtml(engine.engine.id)}">${ticks.join('')}${rows.join('')}</svg>`;
}

const MECHANISM_WORDS: Record<PageMechanism, string> = {
  override: 'engine override',
  csp: 'CSP treat-as-public-address',
};

/** The study's rows: how the page was made public, whether it is secure, and the target's address space. */
function pnaRows(): { mechanism: PageMechanism; page: PageSecurity; target: TargetSpace; label: string }[] {
  return PAGE_MECHANISMS.flatMap((mechanism) =>
    PAGE_SECURITIES.flatMap((page) =>
      TARGET_SPACES.map((target) => ({
        mechanism,
        page,
        target,
        label: `${page} public page (${MECHANISM_WORDS[mechanism]}) → ${target} target`,
      })),
    ),
  );
}

/** How to read a cell, for both reports. */
function pnaLegend(study: PnaStudy): string {
  return `Each cell: the outcomes of a preflighted fetch, a simple fetch and a no-cors fetch with the permission as launched ("default"), every Local Network Access permission granted or denied, or only one granted; any Private/Local Network Access header seen in a preflight; and whether answering Access-Control-Allow-Private-Network: true (and -Local-Network) changed an outcome. "not sent": nothing reached the lab and the page got an error; "held": nothing reached the lab and the request had not settled after ${study.timeoutMs / 1000} s.`;
}

export function pnaMarkdown(study: PnaStudy): string {
  const lines = ['### Private/Local Network Access', ''];
  lines.push(
    `| Public page → target | ${study.engines.map((engine) => escapeCell(engineColumn(engine))).join(' | ')} |`,
  );
  lines.push(`|---|${study.engines.map(() => '---').join('|')}|`);
  for (const row of pnaRows()) {
    lines.push(
      `| ${escapeCell(row.label)} | ${study.engines.map((engine) => pnaCell(engine, row.mechanism, row.page, row.target).lines.map(escapeCell).join('<br>')).join(' | ')} |`,
    );
  }
  lines.push('');
  for (const engine of study.engines)
    lines.push(
      `- ${engine.engine.id}: address spaces: ${escapeCell(engine.overrides)}; permissions: ${escapeCell(engine.permissions)}; ${escapeCell(engine.hosts)}`,
    );
  for (const missing of study.enginesMissing) lines.push(`- ${missing.id}: not run (${escapeCell(missing.reason)})`);
  lines.push(`- ${pnaLegend(study)}`);
  return `${lines.join('\n')}\n`;
}

export function pnaHtml(study: PnaStudy): string {
  const head = `<tr><th>Public page → target</th>${study.engines.map((engine) => `<th>${escapeHtml(engineColumn(engine))}</th>`).join('')}</tr>`;
  const rows = pnaRows().map((row) => {
    const cells = study.engines.map((engine) => {
      const cell = pnaCell(engine, row.mechanism, row.page, row.target);
      const evidence = cell.observations
        .map((entry) => {
          const journal =
            entry.journal.length > 0
              ? `journal ${entry.journal.map((seq) => `#${seq}`).join(', ')}`
              : 'nothing in the journal';
          const headers = entry.pnaHeaders.length > 0 ? `; ${entry.pnaHeaders.join(', ')}` : '';
          return `${entry.permission}, ${entry.allowHeader ? 'Allow-Private-Network' : 'plain answer'}, ${entry.request}: <b>${escapeHtml(entry.outcome)}</b> (${journal}${escapeHtml(headers)})${entry.message ? `<br><small>${escapeHtml(entry.message)}</small>` : ''}`;
        })
        .join('<br>');
      const details =
        cell.observations.length > 0
          ? `<details><summary>${cell.observations.length} requests</summary>${evidence}</details>`
          : '';
      return `<td>${cell.lines.map(escapeHtml).join('<br>')}${details}</td>`;
    });
    return `<tr><td>${escapeHtml(row.label)}</td>${cells.join('')}</tr>`;
  });
  const notes = study.engines
    .map(
      (engine) =>
        `<li><b>${escapeHtml(engine.engine.id)}</b>: address spaces: ${escapeHtml(engine.overrides)}; permissions: ${escapeHtml(engine.permissions)}; ${escapeHtml(engine.hosts)}; pages: ${engine.pages.map((page) => escapeHtml(page.url)).join(', ')}</li>`,
    )
    .join('');
  return `<section class="research"><h2>Private/Local Network Access</h2><table class="research-table"><thead>${head}</thead><tbody>${rows.join('')}</tbody></table><p>${escapeHtml(pnaLegend(study))}</p><ul>${notes}</ul></section>`;
}

const OUTCOME_WORDS: Record<PnaObservation['outcome'], string> = {
  allowed: 'allowed',
  opaque: 'opaque response',
  blocked: 'blocked (answered, withheld)',
  'not-sent': 'not sent (refused before sending)',
  timeout: 'held (no result within the timeout)',
};

/** One request set's outcomes in a few words: "allowed" when all agree, else per request. */
function describeOutcomes(observations: PnaObservation[]): string {
  const found = PNA_REQUESTS.map((request) => observations.find((observation) => observation.request === request));
  // An opaque response is what no-cors always gives: allowed, as far as the network goes.
  if (
    found.every(
      (observation) =>
        observation &&
        (observation.outcome === 'allowed' || (observation.request === 'no-cors' && observation.outcome === 'opaque')),
    )
  )
    return 'allowed (no-cors: opaque response)';
  const words = found.map((observation) => (observation ? OUTCOME_WORDS[observation.outcome] : 'not measured'));
  if (new Set(words).size === 1) return words[0]!;
  return PNA_REQUESTS.map((request, index) => `${request} ${words[index]}`).join(', ');
}

/** A driver's refusal in a few words: no protocol prefixes, session ids or stack. */
function shortReason(reason: string | undefined): string {
  return (reason ?? 'no reason given')
    .replace(/^\w+\.send: /, '')
    .replace(/^Protocol error \([^)]*\): /, '')
    .replace(/\/session\/[^/]+\//, '/session/…/')
    .replace(/^(.{90}).+$/, '$1…');
}

/** One table cell: what one engine did for one kind of page calling one kind of target. */
export interface PnaCell {
  /** Short lines for the table. */
  lines: string[];
  /** The observations behind it (the evidence). */
  observations: PnaObservation[];
}

export function pnaCell(
  result: PnaEngineResult,
  mechanism: PageMechanism,
  page: PageSecurity,
  target: TargetSpace,
): PnaCell {
  const measured = result.pages.find((entry) => entry.mechanism === mechanism && entry.page === page);
  if (!measured) return { lines: ['not measured'], observations: [] };
  if (measured.skipped) return { lines: [`not measured: ${measured.skipped}`], observations: [] };
  const observations = result.observations.filter(
    (entry) => entry.mechanism === mechanism && entry.page === page && entry.target === target,
  );
  if (observations.length === 0) return { lines: [`no ${target} target: ${result.overrides}`], observations };
  const lines: string[] = [];
  if ((page === 'secure') !== measured.isSecureContext) lines.push(`page isSecureContext: ${measured.isSecureContext}`);
  for (const permission of PERMISSION_CASES) {
    const chosen = observations.filter((entry) => entry.permission === permission && !entry.allowHeader);
    if (chosen.length > 0) lines.push(`${permission}: ${describeOutcomes(chosen)}`);
  }
  const refused = new Map<string, { states: Set<string>; reason: string }>();
  for (const entry of measured.permissions.filter((attempt) => !attempt.ok)) {
    const found = refused.get(entry.name) ?? { states: new Set<string>(), reason: shortReason(entry.reason) };
    found.states.add(entry.state);
    refused.set(entry.name, found);
  }
  if (refused.size > 0)
    lines.push(
      `automation could not set: ${[...refused].map(([name, { states, reason }]) => `${name} ${[...states].join('/')} (${reason})`).join('; ')}`,
    );
  const headers = [...new Set(observations.flatMap((entry) => entry.pnaHeaders))];
  const preflights = observations.filter((entry) => entry.preflight).length;
  lines.push(
    `preflight header: ${headers.length > 0 ? headers.join(', ') : preflights > 0 ? `none (in ${preflights} preflights)` : 'none (no preflight reached the lab)'}`,
  );
  // Each plain answer beside the same request answered with the allow header.
  const changed = observations
    .filter((entry) => !entry.allowHeader)
    .map((plain) => ({
      plain,
      allow: observations.find(
        (other) => other.allowHeader && other.permission === plain.permission && other.request === plain.request,
      ),
    }))
    .filter(({ plain, allow }) => allow !== undefined && allow.outcome !== plain.outcome);
  lines.push(
    `Allow-Private-Network: true: ${changed.length === 0 ? 'no change' : `changes ${changed.map(({ plain, allow }) => `${plain.permission} ${plain.request}: ${plain.outcome} → ${allow!.outcome}`).join('; ')}`}`,
  );
  return { lines, observations };
}

// ---------------------------------------------------------------------------
// Compact terminal views: short engine headers, one line per row with
// marks and a legend; a table's rows are cut to the terminal's width, the
// legend and notes wrapped to it. The details are in the Markdown and HTML
// reports.

/** Cuts a line to the terminal's width. */
export const cutTo = (width: number) => (line: string) => (line.length > width ? `${line.slice(0, width - 1)}…` : line);
const table = (rows: string[][]) => {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows.map((row) =>
    row
      .map((cell, column) => cell.padEnd(widths[column]!))
      .join('  ')
      .trimEnd(),
  );
};

/** Lifetimes in seconds, one row per Max-Age value. */
export function maxAgeTerminal(study: MaxAgeStudy, width = 100): string {
  const short = (lifetime: MaxAgeEngineResult['cases'][number]['lifetime']) =>
    lifetime.kind === 'bracket'
      ? `${lifetime.cachedAt}–${lifetime.refetchedAt} s`
      : lifetime.kind === 'not-cached'
        ? 'not cached'
        : lifetime.kind === 'lower-bound'
          ? `≥ ${lifetime.cachedAt} s`
          : 'error';
  const rows = [
    [
      'Max-Age',
      ...study.engines.map(
        (engine) => `${shortEngineHeading(engine.engine)} (${engine.clock.mode === 'controlled' ? 'c' : 'r'})`,
      ),
    ],
  ];
  for (const [index, entry] of (study.engines[0]?.cases ?? []).entries())
    rows.push([entry.label, ...study.engines.map((engine) => short(engine.cases[index]!.lifetime))]);
  const lines = ['Preflight-cache lifetime by Access-Control-Max-Age', '', ...table(rows).map(cutTo(width)), ''];
  lines.push(
    'a–b s: still cached at a s, preflighted again at b s; ≥ a s: still cached at the longest wait (a lower bound); (c) controlled clock, (r) real time',
  );
  for (const missing of study.enginesMissing) lines.push(`${missing.id}: not run (${missing.reason})`);
  return `${fitLines(lines, width).join('\n')}\n`;
}

const PNA_MARK: Record<PnaObservation['outcome'], string> = {
  allowed: '✓',
  opaque: 'o',
  blocked: '✗',
  'not-sent': '-',
  timeout: '…',
};

/** One line per page, target and engine: per permission case, a mark for each request (preflighted, simple, no-cors). */
export function pnaTerminal(study: PnaStudy, width = 100): string {
  // default, granted, denied, then one column per permission granted alone, numbered in the legend.
  const permissionHeads = PERMISSION_CASES.map((permission, index) => (index < 3 ? permission : `#${index - 2}`));
  const rows = [['page → target', 'engine', ...permissionHeads, 'hdr', 'ACAPN']];
  const notes: string[] = [];
  for (const row of pnaRows()) {
    for (const engine of study.engines) {
      const cell = pnaCell(engine, row.mechanism, row.page, row.target);
      const label = `${row.page} ${row.mechanism} → ${row.target}`;
      if (cell.observations.length === 0) {
        // Why nothing was measured goes below the table, once.
        const note = cell.lines[0]!;
        if (!notes.includes(note)) notes.push(note);
        rows.push([
          label,
          shortEngineHeading(engine.engine),
          `[${notes.indexOf(note) + 1}]`,
          ...permissionHeads.slice(1).map(() => ''),
          '',
          '',
        ]);
        continue;
      }
      const marks = PERMISSION_CASES.map((permission) =>
        PNA_REQUESTS.map((request) => {
          const seen = cell.observations.find(
            (entry) => entry.permission === permission && entry.request === request && !entry.allowHeader,
          );
          return seen ? PNA_MARK[seen.outcome] : ' ';
        }).join(''),
      );
      const header = cell.observations.some((entry) => entry.pnaHeaders.length > 0) ? 'yes' : 'no';
      const changed = cell.lines.find((line) => line.startsWith('Allow-Private-Network'))?.includes('changes')
        ? 'yes'
        : 'no';
      rows.push([label, shortEngineHeading(engine.engine), ...marks, header, changed]);
    }
  }
  const lines = ['Private/Local Network Access', '', ...table(rows).map(cutTo(width)), ''];
  lines.push(
    'Each permission column: preflighted, simple and no-cors fetch. ✓ allowed, o opaque (no-cors), ✗ blocked (answered, withheld), - not sent (refused before sending), … held (no result in time), blank: not measured.',
  );
  lines.push(
    `${PERMISSION_CASES.slice(3)
      .map((permission, index) => `#${index + 1}: ${permission}`)
      .join('; ')}.`,
  );
  lines.push(
    'hdr: a Private/Local Network Access header in a preflight. ACAPN: answering Access-Control-Allow-Private-Network: true changed an outcome.',
  );
  lines.push('Pages: secure or non-secure, made public by the engine override or by CSP treat-as-public-address.');
  for (const [index, note] of notes.entries()) lines.push(`[${index + 1}] ${note}`);
  for (const missing of study.enginesMissing) lines.push(`${missing.id}: not run (${missing.reason})`);
  lines.push("The engines' address-space settings and every request's evidence are in the Markdown and HTML reports.");
  return `${fitLines(lines, width).join('\n')}\n`;
}
