// The terminal views fit the terminal: run, check (merge prints the same
// view) and diff at 80 and 120 columns, from results real runs wrote
// (tests/fixtures/results); --wide keeps the full rows. A command's prose
// (install-browsers here, bisect in tests/browsers/history.test.ts) fits too.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { diffResults } from '../../harness/diff/diff.ts';
import type { CheckResult, RunResult } from '../../harness/result/result.ts';
import { renderDiffTerminal } from '../../reports/diff.ts';
import { fitted, messageWidth, terminalWidth, together, wrapLine } from '../../reports/fit.ts';
import { renderTerminal } from '../../reports/terminal.ts';
import { runCli, tempDir } from '../helpers.ts';

const fixture = (name: string) => new URL(`../fixtures/results/${name}.json.gz`, import.meta.url).pathname;
const read = <T>(name: string) => JSON.parse(gunzipSync(readFileSync(fixture(name))).toString('utf8')) as T;
const check = read<CheckResult>('check-sweep');
const notAllowed = read<CheckResult>('check-not-allowed');
const run = read<RunResult>('run-acao');
const middlewares = read<RunResult>('run-middleware');
const twoEndpoints = read<CheckResult>('check-two-endpoints');
/** Columns a line takes: code points, colour codes not counted. */
const columns = (line: string) => [...stripVTControlCharacters(line)].length;
const widest = (text: string) => Math.max(...text.split('\n').map(columns));

describe('terminal output fits the terminal', () => {
  for (const width of [80, 120]) {
    it(`check, run and diff at ${width} columns, with and without colour`, () => {
      for (const color of [false, true]) {
        expect(widest(renderTerminal(check, { color, width }))).toBeLessThanOrEqual(width);
        expect(widest(renderTerminal(notAllowed, { color, width }))).toBeLessThanOrEqual(width);
        expect(widest(renderTerminal(run, { color, width }))).toBeLessThanOrEqual(width);
      }
      expect(
        widest(
          renderDiffTerminal(diffResults(notAllowed, check, { before: 'before.json', after: 'after.json' }), { width }),
        ),
      ).toBeLessThanOrEqual(width);
    });
  }

  it('never breaks "NOT AS EXPECTED (expected …)": grep finds every such cell in a log at any width', () => {
    const failing = notAllowed.results.filter((cell) => !cell.matchesExpectation).length;
    expect(failing).toBeGreaterThan(0);
    for (const width of [60, 80, 100]) {
      const text = renderTerminal(notAllowed, { color: false, width });
      expect(widest(text)).toBeLessThanOrEqual(width);
      // One line per failing cell, or per set of engines that failed alike.
      expect(text.match(/NOT AS EXPECTED \(expected (allowed|blocked)\)/g)?.length).toBeGreaterThan(0);
      expect(text.match(/NOT AS\s*$/m)).toBeNull();
    }
  });

  it('an interrupted run draws the rows it reached and counts the others, rather than a line of dashes each', () => {
    const reached = new Set(run.results.slice(0, 2).map((cell) => cell.scenario));
    const stopped: RunResult = {
      ...run,
      results: run.results.filter((cell) => reached.has(cell.scenario)),
      interrupted: { signal: 'SIGINT', at: run.startedAt, completed: 2, notRun: 5 },
    };
    const text = renderTerminal(stopped, { color: false, width: 100 });
    const notReached = run.scenarios.length - reached.size;
    expect(notReached).toBeGreaterThan(0);
    expect(text).toContain(
      `(${notReached} more row${notReached === 1 ? '' : 's'} not reached before the interruption)`,
    );
    for (const scenario of run.scenarios)
      expect(text.includes(scenario.id), scenario.id).toBe(reached.has(scenario.id));
  });

  it('check rows are named by origin under a heading that names the request, engines by major version', () => {
    const lines = renderTerminal(check, { color: false, width: 80 }).split('\n');
    expect(lines[0]).toMatch(/^GET \/api\/me, from +spec +chromium 156 +firefox 153 +webkit 2\.50$/);
    const names = lines.slice(2, 2 + check.scenarios.length).map((line) => line.split(/ {2,}/)[0]);
    expect(names).toContain('app.example.com');
    expect(names).toContain('http://admin.example.com');
    // Cut in the origin, never in the sweep's attack: a row too narrow for its origin starts with the attack.
    expect(names.filter((name) => name!.startsWith('prefix: '))).toHaveLength(2);
    expect(names.find((name) => name!.startsWith('http-downgrade: http://'))).toBeDefined();
    expect(names).toContain('evilapp.example.com (suffix)');
    expect(names).toContain('null');
  });

  it('an error-path row is its origin at the path it requested, the origin kept whole when cut', () => {
    const missing = read<CheckResult>('check-missing-path');
    const row = (width: number) =>
      renderTerminal(missing, { color: false, width })
        .split('\n')
        .find((line) => / at \/api\//.test(line));
    // One endpoint: the heading names the request, the row its origin and the path.
    for (const width of [160, 120, 100])
      expect(row(width)).toMatch(/^app\.example\.com at \/api\/cors-lab-no-such-path +allowed/);
    expect(row(80)).toMatch(/^app\.example\.com at \/api\/\S*path +allowed/);
    expect(row(80)).not.toMatch(/\)/); // nothing cut out of a parenthesis
  });

  it('--wide keeps the full row names and versions, one line per item', () => {
    const text = renderTerminal(check, { color: false, width: 80, wide: true });
    expect(text).toContain(`${check.scenarios[0]!.id} `);
    expect(text.split('\n')[0]).toContain('chromium 156.0.8078.129');
    expect(widest(text)).toBeGreaterThan(120);
  });

  it('a wrapped line keeps its indent and two more, and loses no word', () => {
    const line = `    ${'word '.repeat(40).trim()}`;
    const wrapped = wrapLine(line, 30);
    expect(wrapped.every((one) => columns(one) <= 30)).toBe(true);
    expect(wrapped.slice(1).every((one) => one.startsWith('      word'))).toBe(true);
    expect(wrapped.join(' ').split(/\s+/).filter(Boolean)).toHaveLength(40);
  });

  it('cors-lab diff fits 100 columns when not a terminal, and --wide does not', async () => {
    const dir = tempDir('terminal-width');
    const files = ['check-not-allowed', 'check-sweep'].map((name) => {
      const file = join(dir, `${name}.json`);
      writeFileSync(file, gunzipSync(readFileSync(fixture(name))));
      return file;
    });
    // Exit 1: the second run's https origin is new and not as expected (a new failure, as a regression is).
    const fitted = await runCli(['diff', ...files]);
    expect(fitted.status, fitted.stderr).toBe(1);
    expect(fitted.stdout.replace(/\s+/g, ' ')).toContain('18 added (3 not as expected)');
    expect(widest(fitted.stdout)).toBeLessThanOrEqual(100);
    const wide = await runCli(['diff', ...files, '--wide']);
    expect(wide.status, wide.stderr).toBe(1);
    expect(widest(wide.stdout)).toBeGreaterThan(100);
    // COLUMNS sets the width where the output is not a terminal (a log piped through tee), as for most tools.
    const eighty = await runCli(['diff', ...files], { env: { COLUMNS: '80' } });
    expect(eighty.status, eighty.stderr).toBe(1);
    expect(widest(eighty.stdout)).toBeLessThanOrEqual(80);
    expect(widest(eighty.stdout)).toBeGreaterThan(70);
  });

  it('a run with more engine columns than fit: a table per middleware, then parts that fit, no cell lost', () => {
    // Engine cells: each table row's cells after its name and the spec column.
    const engineCells = (text: string) =>
      text
        .split('\n')
        .filter((line) => line.startsWith('mw-'))
        .flatMap((line) => line.split(/ {2,}/).slice(2));
    const all = engineCells(renderTerminal(middlewares, { color: false, width: 100, wide: true }));
    expect(all).toHaveLength(middlewares.results.length);
    for (const width of [60, 80, 120]) {
      const text = renderTerminal(middlewares, { color: false, width });
      expect(widest(text), `at ${width}`).toBeLessThanOrEqual(width);
      expect(engineCells(text).sort(), `at ${width}`).toEqual([...all].sort());
      expect(text).toMatch(/^simple-cors\n/m);
      expect(text).toMatch(/^cors\n/m);
    }
    // At 60 columns, each middleware's three engines are cut into parts that fit.
    expect(renderTerminal(middlewares, { color: false, width: 60 })).toMatch(/^cors \(continued\)$/m);
    expect(renderTerminal(middlewares, { color: false, width: 120 })).not.toContain('(continued)');
  });

  it('a check of several endpoints whose rows would be cut: a table per endpoint, headed by its request, rows by origin', () => {
    // At 120 columns every row fits whole, request and origin: one table.
    const roomy = renderTerminal(twoEndpoints, { color: false, width: 120 });
    expect(roomy).toMatch(/^delete item from http:\/\/app\.example\.com \(http-downgrade\) +blocked/m);
    expect(roomy.split('\n\n')[0]).not.toContain('…');
    for (const width of [80, 100]) {
      const text = renderTerminal(twoEndpoints, { color: false, width });
      expect(widest(text), `at ${width}`).toBeLessThanOrEqual(width);
      // The request heads its table: in the first column's heading, or on a line of its own where the column is narrower.
      expect(text).toMatch(/^profile \(GET \/api\/profile\)(, from|\nfrom) +spec/m);
      expect(text).toMatch(/^delete item \(DELETE \/api\/items\/42\)(, from|\nfrom) +spec/m);
      // Rows are origins, whole where the terminal has room for them.
      if (width >= 100) {
        expect(text).toMatch(/^cors-lab-sibling\.example\.com \(sibling-subdomain\) +blocked/m);
        expect(text.split('\n\n')[0]).not.toContain('…');
      }
    }
    // Every row shown once: one table each, none lost.
    const text = renderTerminal(twoEndpoints, { color: false, width: 100 });
    expect(text.match(/^(?:app\.example\.com|null|http:|cors-lab|evilapp)\S* /gm)).toHaveLength(
      twoEndpoints.scenarios.length,
    );
  });

  it('a check row every engine failed alike, for one reason, takes one verdict naming them all', () => {
    const text = renderTerminal(notAllowed, { color: false, width: 1000 });
    const versions = notAllowed.engines.map((engine) => `${engine.browser} ${engine.version}`).join(', ');
    expect(text).toContain(
      `    ${versions}: blocked, NOT AS EXPECTED (expected allowed). blocked: the server answered`,
    );
    // Each page's own error text differs by engine: it is left to the HTML report.
    expect(text).not.toContain('Page saw');
    expect(text.match(/NOT AS EXPECTED/g)).toHaveLength(
      notAllowed.scenarios.filter((row) => !row.tags.includes('sweep')).length,
    );
  });

  it('install-browsers fits its messages to COLUMNS, nothing lost', async () => {
    const refused = await runCli(['install-browsers', 'chromium@abc', 'firefox'], { env: { COLUMNS: '60' } });
    expect(refused.status).toBe(2);
    expect(
      refused.stderr
        .trimEnd()
        .split('\n')
        .filter((line) => columns(line) > 60),
    ).toEqual([]);
    expect(refused.stderr.replace(/\s+/g, ' ')).toContain(
      '"firefox" names the system\'s build: install it with apt (cors-lab install-browsers with no names), or name a version such as firefox@140',
    );
  });

  it("an endpoint's name that already says the request (an OpenAPI operation) heads its table alone", () => {
    const named = structuredClone(notAllowed);
    named.check.endpoints[0]!.name = 'GET /api/me (getMe)';
    const heading = renderTerminal(named, { color: false, width: 100 }).split('\n')[0]!;
    expect(heading).toMatch(/^GET \/api\/me \(getMe\), from /);
    named.check.endpoints[0]!.name = 'me';
    expect(renderTerminal(named, { color: false, width: 100 }).split('\n')[0]).toMatch(/^me \(GET \/api\/me\), from /);
  });

  it('rows a middle cut would leave alike are cut at their end instead, so every row of a table reads differently', () => {
    // Two allowed origins give two suffix rows: the middle cut made both "http://evil…xample.com (suffix)" at 80 columns.
    for (const width of [60, 72, 80, 100])
      for (const block of renderTerminal(notAllowed, { color: false, width }).split(/\n\s*\n/)) {
        const names = block
          .split('\n')
          .filter((line) => /^\S.* {2}(allowed|blocked|error)/.test(line))
          .map((line) => line.split(/ {2,}/)[0]);
        expect(new Set(names).size, `${width} columns: ${names.join(' | ')}`).toBe(names.length);
      }
    const rows = renderTerminal(notAllowed, { color: false, width: 80 }).split('\n');
    expect(rows.some((line) => line.startsWith('suffix: http://evilapp.example…'))).toBe(true);
    expect(rows.some((line) => line.startsWith('suffix: http://eviladmin.examp…'))).toBe(true);
  });

  it('breaks at a double space without leaving a line ending in a space', () => {
    const wrapped = wrapLine('3 cells: 0 allowed; 3 not as expected  in 4.6 s', 38);
    expect(wrapped).toEqual(['3 cells: 0 allowed; 3 not as expected', '  in 4.6 s']);
    // Broken at the double space's first space: the next line still has the indent of two.
    expect(wrapLine('3 cells: 0 allowed; 3 not as expected  in 4.6 s', 37)).toEqual([
      '3 cells: 0 allowed; 3 not as expected',
      '  in 4.6 s',
    ]);
  });

  it('keeps the run time of the summary line together, never "in" at the end of a line', () => {
    const summary = (seconds: string) => `582 cells: 0 error; 3 not as expected  ${together(`in ${seconds} s`)}`;
    // Broken before "in" where the time does not fit after it, printed with plain spaces.
    expect(wrapLine(summary('12.3'), 44)).toEqual(['582 cells: 0 error; 3 not as expected', '  in 12.3 s']);
    expect(wrapLine(summary('12.3'), 60)).toEqual(['582 cells: 0 error; 3 not as expected  in 12.3 s']);
    const lines = renderTerminal({ ...run, durationMs: 12_345 }, { color: false, width: 80 }).split('\n');
    const time = lines.findIndex((line) => line.includes('12.3 s'));
    expect(lines[time]).toMatch(/in 12\.3 s$/);
    expect(renderTerminal({ ...run, durationMs: 12_345 }, { color: false, wide: true })).toContain(' in 12.3 s\n');
    expect(renderTerminal(run, { color: false, wide: true })).not.toContain('\u00a0');
    // Nor a count apart from what it counts ("…; 9" above "not as expected").
    for (const width of [60, 72, 80, 100, 120])
      expect(
        renderTerminal(run, { color: false, width })
          .split('\n')
          .some((line) => /[;,] \d+$/.test(line)),
      ).toBe(false);
  });

  it('wraps messages to COLUMNS or the terminal, and leaves them one line each in a log without COLUMNS', () => {
    expect(messageWidth({ COLUMNS: '80' }, {})).toBe(80);
    expect(messageWidth({}, { isTTY: true, columns: 120 })).toBe(120);
    expect(messageWidth({}, {})).toBeUndefined();
    const message = 'cors-lab: '.padEnd(150, 'x y ');
    expect(fitted(`${message}\n`, undefined)).toBe(`${message}\n`);
    expect(
      fitted(`${message}\n`, 80)
        .split('\n')
        .every((line) => line.length <= 80),
    ).toBe(true);
  });

  it('takes COLUMNS when it is a number, never narrower than 40, and 100 columns otherwise off a terminal', () => {
    expect(terminalWidth({ COLUMNS: '120' })).toBe(120);
    expect(terminalWidth({ COLUMNS: '12' })).toBe(40);
    const fallback = process.stdout.isTTY && process.stdout.columns ? process.stdout.columns : 100;
    for (const junk of ['', 'wide', '80.5', '-3', '0']) expect(terminalWidth({ COLUMNS: junk })).toBe(fallback);
  });
});
