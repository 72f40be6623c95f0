// The CLI as a user runs it: a real process, real exit codes.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { BIN, NODE, runCli, tempDir } from '../helpers.ts';
import { BUILTIN_CATALOG } from '../../harness/package/root.ts';
import { dirname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

function cli(...args: string[]) {
  return cliWith({}, ...args);
}

function cliWith(env: Record<string, string>, ...args: string[]) {
  return spawnSync(NODE, [BIN, ...args], {
    encoding: 'utf8',
    env: { ...process.env, CI: 'true', ...env },
    timeout: 90_000,
  });
}

describe('cors-lab CLI', () => {
  it('with no command, and as cors-lab help, points a newcomer at check, ui and run with one example each (exit 0)', () => {
    for (const args of [[], ['help']]) {
      const shown = cli(...args);
      expect(shown.status, shown.stderr).toBe(0);
      expect(shown.stdout).toContain('Start here:');
      expect(shown.stdout).toMatch(/^ {4}npx cors-lab check https:\/\/\S+ --origin https:\/\/\S+$/m);
      expect(shown.stdout).toMatch(/^ {4}npx cors-lab ui$/m);
      expect(shown.stdout).toMatch(/^ {4}npx cors-lab run$/m);
    }
  });

  it('a misspelt flag or command gets its suggestion and a pointer to --help, not the whole help (exit 2)', () => {
    const flag = cli('check', '--orign', 'https://app.example.com');
    expect(flag.status).toBe(2);
    expect(flag.stderr.trimEnd().split('\n')).toEqual([
      "error: unknown option '--orign'",
      '(Did you mean --origin?)',
      '(add --help to the command for all its options)',
    ]);
    const command = cli('chek');
    expect(command.status).toBe(2);
    expect(command.stderr).toContain('(Did you mean check?)');
    expect(command.stderr).not.toContain('Usage:');
  });

  it('exits 2 on malformed scenarios, naming every bad file and field, and writes no report', () => {
    const dir = tempDir('cli');
    writeFileSync(
      join(dir, 'one.yaml'),
      'title: T\norigins: { page: https://a.localhost }\nrequest: { target: page, method: "GE T" }\nexpect: { spec: allowed }\n',
    );
    writeFileSync(
      join(dir, 'two.yaml'),
      'title: T\norigins: { page: https://a.localhost }\nrequest: { target: page }\nexpect: { spec: yes }\n',
    );
    const out = join(dir, 'out');
    const result = cli('run', dir, '--out', out);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/one\.yaml: request\.method: a method must be an HTTP token/);
    expect(result.stderr).toMatch(/two\.yaml: expect\.spec: expected one of "allowed", "blocked"/);
    expect(existsSync(out)).toBe(false);
  });

  it('refuses an --out that no reporter would write into, before anything runs', () => {
    const dir = tempDir('cli-out');
    const result = cli('run', '--reporter', `json=${join(dir, 'r.json')}`, '--out', join(dir, 'reports'));
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(
      `--out ${join(dir, 'reports')}: no report would be written there, since every --reporter names its own path (json=${join(dir, 'r.json')}). Fix: drop --out, or name a reporter without a path`,
    );
    expect(existsSync(join(dir, 'r.json'))).toBe(false);
    expect(existsSync(join(dir, 'reports'))).toBe(false);
  });

  it('names the directory that holds no scenario files', () => {
    const empty = tempDir('cli-empty');
    const result = cli('run', empty, '--out', join(empty, 'out'));
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(`no scenarios found in ${empty} (looked for *.yaml and *.yml files)`);
  });

  it('exits 2 for an unknown engine or reporter', () => {
    expect(cli('run', '--browsers', 'opera').status).toBe(2);
    const reporter = cli('run', '--reporter', 'pdf');
    expect(reporter.status).toBe(2);
    expect(reporter.stderr).toMatch(/unknown reporter "pdf"/);
  });

  it('exits 2 for a timeout a timer cannot hold or too short to mean anything, before anything starts', () => {
    for (const [command, value] of [
      ['run', '2147483648'],
      ['check', '11m'],
      ['research', '50'],
    ] as const) {
      const args =
        command === 'check'
          ? ['check', 'https://api.example.com/x', '--origin', 'https://app.example.com']
          : command === 'research'
            ? ['research', 'pna']
            : ['run'];
      const result = cli(...args, '--timeout', value);
      expect(result.status, `${command} --timeout ${value}`).toBe(2);
      expect(result.stderr).toMatch(/--timeout .*from 100 ms to 10 minutes/);
    }
  });

  it('exits 2 for report paths that cannot be written, before anything runs', () => {
    const dir = tempDir('cli-out');
    const file = join(dir, 'a-file');
    writeFileSync(file, 'not a folder');
    for (const command of [['run'], ['check', 'https://api.example.com/x'], ['research', 'pna']]) {
      const result = cli(...command, '--out', file, '--reporter', 'json,html=/proc/nope/r.html');
      expect(result.status, command.join(' ')).toBe(2);
      expect(result.stderr).toContain(
        `--out ${file}: ${file} is a file, so the folder ${file} cannot be made. Fix: choose another folder`,
      );
      expect(result.stderr).toContain(
        '--reporter html=/proc/nope/r.html: /proc/nope/r.html is under /proc, which holds kernel interfaces, not files',
      );
      expect(result.stderr).toContain('nothing was run');
    }
    expect(readFileSync(file, 'utf8')).toBe('not a folder');
  });

  it('refuses a profile for a remote engine before anything starts, naming the flag and the fix', () => {
    const args = [
      'run',
      'scenarios/basics',
      '--remote',
      'grid-chrome=chrome@http://127.0.0.1:1',
      '--profile',
      'shipping',
    ];
    const result = cli(...args);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(
      'command line: --profile: the "shipping" profile cannot be applied to grid-chrome: a remote engine runs with its endpoint\'s own settings. Fix: --profile defaults, or leave grid-chrome out of --browsers',
    );
    expect(result.stdout).toBe('');
    // Left out of --browsers, the remote engine is no obstacle to the profile (here an unknown engine is the problem).
    expect(cli(...args, '--browsers', 'nosuch').stderr).not.toContain('--profile');
  });

  it('will not write a report over a file the command reads (compat --from, merge, diff), before anything runs', () => {
    const dir = tempDir('cli-reads');
    const input = join(dir, 'cors-lab-report', 'result.json');
    mkdirSync(dirname(input));
    writeFileSync(input, '{"kind":"run"}');
    for (const command of [
      ['research', 'compat', '--from', input],
      ['merge', input],
    ]) {
      const result = cli(...command, '--out', dirname(input));
      expect(result.status, command.join(' ')).toBe(2);
      expect(result.stderr).toContain(
        `--out ${dirname(input)}: the json report would be written over ${input}, which this command reads. Fix: give --out another folder`,
      );
    }
    expect(readFileSync(input, 'utf8')).toBe('{"kind":"run"}');
    // diff's own report over one of the two results it compares.
    const compared = join(dirname(input), 'diff.json');
    writeFileSync(compared, '{"kind":"run"}');
    const diff = cli('diff', compared, input, '--reporter', 'json', '--out', dirname(input));
    expect(diff.status).toBe(2);
    expect(diff.stderr).toContain(`the json report would be written over ${compared}, which this command reads`);
    expect(readFileSync(compared, 'utf8')).toBe('{"kind":"run"}');
  });

  it('prints help with exit 0', () => {
    const result = cli('--help');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/run \[options\] \[paths\.\.\.\]/);
    expect(result.stdout).toMatch(/install-browsers/);
  });
});

describe('cors-lab run in a real browser', () => {
  it('writes every reporter from one JSON result and exits 1 on an unexpected cell', () => {
    const dir = tempDir('cli-run');
    writeFileSync(
      join(dir, 'cases.yaml'),
      `origins: { page: https://app.site-a.localhost, api: https://api.site-b.localhost }
scenarios:
  - id: really-allowed
    title: ACAO * allows
    request: { target: api, path: /d }
    server: { api: { /d: { actual: { headers: { Access-Control-Allow-Origin: "*" } } } } }
    expect: { spec: allowed }
  - id: wrongly-expected
    title: ACAO missing, with a wrong spec claim and a stale deviation
    request: { target: api, path: /d }
    expect: { spec: allowed, deviations: { chromium: { outcome: allowed, source: "a stale note" } } }
`,
    );
    const json = join(dir, 'out.json');
    const result = cli(
      'run',
      join(dir, 'cases.yaml'),
      '--browsers',
      'chromium',
      '--reporter',
      `json=${json},junit,markdown`,
      '--out',
      join(dir, 'reports'),
      '--wide',
    );
    expect(result.status, result.stderr).toBe(1);
    expect(result.stdout).toMatch(
      /wrongly-expected in chromium: the spec predicts blocked \(expected here: allowed\), measured blocked/,
    );
    expect(result.stdout).toMatch(/wrongly-expected: the file says allowed, the spec model predicts blocked/);
    expect(result.stdout).toContain(`report: ${json}`);

    const parsed = JSON.parse(readFileSync(json, 'utf8'));
    expect(Object.keys(parsed)).toEqual(
      expect.arrayContaining([
        'schemaVersion',
        'tool',
        'startedAt',
        'durationMs',
        'engines',
        'scenarios',
        'results',
        'summary',
      ]),
    );
    expect(parsed.engines[0]).toMatchObject({
      id: 'chromium',
      browser: expect.any(String),
      version: expect.stringMatching(/^\d+\./),
      driver: expect.any(String),
      trust: expect.any(String),
    });
    expect(parsed.scenarios.map((scenario: { id: string }) => scenario.id)).toEqual([
      'really-allowed',
      'wrongly-expected',
    ]);
    for (const cell of parsed.results) {
      expect(cell).toMatchObject({
        engine: 'chromium',
        verdict: 'matches-spec',
        evidence: { preflightSent: false, requestReached: true, cookiesSent: false },
      });
      expect(cell.specExplanation).toMatch(/^(allowed|blocked): /);
      expect(cell.evidence.journal.length).toBeGreaterThan(0);
    }
    expect(parsed.summary).toEqual({
      total: 2,
      allowed: 1,
      blocked: 1,
      error: 0,
      unexpected: 1,
      knownDeviations: 0,
      newFindings: 0,
      requestMismatches: 0,
    });
    expect(readFileSync(join(dir, 'reports', 'junit.xml'), 'utf8')).toMatch(
      /<failure message="expected allowed, got blocked"/,
    );
    expect(readFileSync(join(dir, 'reports', 'report.md'), 'utf8')).toMatch(/\*\*⛔ blocked \(unexpected\)\*\*/);
    expect(parsed.scenarios[1].specModel).toMatchObject({ outcome: 'blocked', declared: 'allowed', preflight: false });
  });
});

describe('cors-lab bisect, flags first', () => {
  it('takes the scenario after --between OLD NEW, and asks for it when there is none', async () => {
    // The scenario was read (the next check, the build name, is what fails), not swallowed by --between.
    const flagsFirst = await runCli(['bisect', '--between', 'chromium@abc', 'chromium@114', 'preflight-acah-missing']);
    expect(flagsFirst.status).toBe(2);
    expect(flagsFirst.stderr).toContain('cors-lab: --between chromium@abc: name a build with its major version');
    const none = await runCli(['bisect', '--between', 'chromium@110', 'chromium@114']);
    expect(none.status).toBe(2);
    expect(none.stderr).toContain('cors-lab: name the scenario: cors-lab bisect SCENARIO --between OLD NEW');
  });
});

describe('a scenario path as the guides write it in a clone', () => {
  it("run from another folder, scenarios/preflight points at the built-in catalog's folder", async () => {
    const dir = tempDir('cli-catalog-path');
    const run = await runCli(['run', 'scenarios/preflight', '--browsers', 'chromium'], { cwd: dir });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain(
      `scenarios/preflight: (file): no such file or directory. Fix: the built-in catalog's preflight is ${relative(dir, join(BUILTIN_CATALOG, 'preflight'))}`,
    );
    const nowhere = await runCli(['run', 'scenarios/no-such-folder', '--browsers', 'chromium'], { cwd: dir });
    expect(nowhere.stderr).toContain(
      'scenarios/no-such-folder: (file): no such file or directory. Fix: check the path',
    );
  });
});

describe('a missing engine', () => {
  it('is reported as not run, never invented, and exits 2 when it was asked for by name', () => {
    const dir = tempDir('cli-missing');
    const json = join(dir, 'out.json');
    const result = cliWith(
      { CORS_LAB_FIREFOX: '/nonexistent/firefox' },
      'run',
      'scenarios/sites/sites.yaml',
      '--browsers',
      'chromium,firefox',
      '--reporter',
      `json=${json}`,
    );
    expect(result.status).toBe(2);
    expect(result.stdout).toMatch(
      /firefox: not run — CORS_LAB_FIREFOX=\/nonexistent\/firefox is not an executable file/,
    );
    const parsed = JSON.parse(readFileSync(json, 'utf8'));
    expect(parsed.engines.map((engine: { id: string }) => engine.id)).toEqual(['chromium']);
    expect(parsed.enginesMissing).toEqual([
      expect.objectContaining({ id: 'firefox', fix: expect.stringMatching(/apt-get install firefox-esr/) }),
    ]);
    expect(parsed.results.every((cell: { engine: string }) => cell.engine === 'chromium')).toBe(true);
  });

  it('with no engine run at all, writes no report over the last good one', () => {
    const dir = tempDir('cli-none-ran');
    const json = join(dir, 'out.json');
    writeFileSync(json, '{"the last good report": true}');
    const result = cliWith(
      { CORS_LAB_FIREFOX: '/nonexistent/firefox' },
      'run',
      'scenarios/sites/sites.yaml',
      '--browsers',
      'firefox',
      '--reporter',
      `json=${json}`,
    );
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(
      'cors-lab: no engine could be run, so no report was written (earlier ones are as they were)',
    );
    expect(readFileSync(json, 'utf8')).toBe('{"the last good report": true}');
    // The engine and its fix, not a matrix of dashes.
    expect(result.stdout).toMatch(
      /^firefox: not run — CORS_LAB_FIREFOX=\/nonexistent\/firefox is not an executable file/,
    );
    expect(result.stdout).not.toContain('───');
  });
});
