// `cors-lab check` as a user runs it: a real process, real exit codes, the
// terminal verdicts and every reporter.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CheckResult } from '../../harness/result/result.ts';
import { startFixture } from '../check-helpers.ts';
import { BIN, expectValidResult, NODE, runCli, tempDir } from '../helpers.ts';

const cli = (...args: string[]) => runCli(args);

describe('cors-lab check CLI', () => {
  it('exits 2 for bad input, naming the flag or the config field, and writes nothing', () => {
    const dir = tempDir('check-cli');
    const bad = spawnSync(
      NODE,
      [BIN, 'check', 'ftp://api.example.com/x', '--origin', 'https://app.example.com/path', '--out', join(dir, 'out')],
      { encoding: 'utf8' },
    );
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/command line: <url>: 'ftp:\/\/api\.example\.com\/x' must be an http or https URL/);
    expect(bad.stderr).toMatch(/command line: --origin: .*Fix: drop the path/);
    expect(existsSync(join(dir, 'out'))).toBe(false);
    writeFileSync(join(dir, 'suite.yaml'), 'endpoints: []\n');
    const config = spawnSync(NODE, [BIN, 'check', '--config', join(dir, 'suite.yaml')], { encoding: 'utf8' });
    expect(config.status).toBe(2);
    expect(config.stderr).toMatch(/suite\.yaml: endpoints: /);
    expect(spawnSync(NODE, [BIN, 'check'], { encoding: 'utf8' }).status).toBe(2);
    // A method or header that would inject header lines, or a value no server takes, is refused before anything starts.
    const injecting = spawnSync(
      NODE,
      [
        BIN,
        'check',
        'https://api.example.com/x',
        '--method',
        'GET\r\nX-Injected: 1',
        '--header',
        `X-Big: ${'a'.repeat(9000)}`,
        '--out',
        join(dir, 'out'),
      ],
      { encoding: 'utf8' },
    );
    expect(injecting.status).toBe(2);
    expect(injecting.stderr).toContain(
      'command line: --method: "GET\\r\\nX-Injected: 1": a method must be an HTTP token',
    );
    expect(injecting.stderr).toMatch(
      /command line: --header: 'X-Big: a+…' is not 'Name: value' \(.*at most 8192 characters\)/,
    );
    expect(existsSync(join(dir, 'out'))).toBe(false);
    // With --config, a flag that describes an endpoint would be lost: refused, naming each.
    const beside = spawnSync(
      NODE,
      [
        BIN,
        'check',
        '--config',
        join(dir, 'suite.yaml'),
        '--origin',
        'https://x.example.com',
        '--header',
        'X-A: 1',
        '--out',
        join(dir, 'out'),
      ],
      { encoding: 'utf8' },
    );
    expect(beside.status).toBe(2);
    expect(beside.stderr).toContain(
      `command line: --origin: not with --config, whose endpoints say this themselves. Fix: put it in ${join(dir, 'suite.yaml')}`,
    );
    expect(beside.stderr).toContain('command line: --header: not with --config');
    expect(existsSync(join(dir, 'out'))).toBe(false);
    // --help shows no "(default: [])" for repeatable options.
    const help = spawnSync(NODE, [BIN, 'check', '--help'], { encoding: 'utf8' });
    expect(help.stdout).toContain('--connect-to');
    expect(help.stdout).not.toContain('(default: [])');
  });

  it('exits 4 with the security finding shown once per cause and in every report; 0 for a config suite that holds', async () => {
    const reflecting = await startFixture('reflecting-server');
    try {
      const dir = tempDir('check-cli-run');
      const target = `http://api.example.com:${reflecting.port}/account`;
      const resolve = `api.example.com:${reflecting.port}:127.0.0.1:${reflecting.port}`;
      const run = await cli(
        'check',
        target,
        '--origin',
        'http://app.example.com',
        '--credentials',
        'include',
        '--resolve',
        resolve,
        '--browsers',
        'chromium',
        '--reporter',
        'json,html,junit,markdown',
        '--out',
        dir,
        '--no-color',
        '--wide',
      );
      expect(run.status, run.stderr).toBe(4);
      expect(run.stdout).toMatch(
        /from http:\/\/app\.example\.com: expected allowed: allowed in chromium, as expected\. Why: allowed: /,
      );
      expect(run.stdout).toContain(
        'Security sweep: real browsers let 5 hostile origin(s) read credentialed responses, from 1 cause(s)',
      );
      expect(run.stdout).toContain('Findings (one per cause): 1 security, 0 cors, 0 hygiene');
      expect(run.stdout).toContain('1. [security] reflects any Origin, with credentials — chromium;');
      // The verdicts point at the finding instead of repeating it; the spec column never reads as approval.
      expect(run.stdout.match(/→ finding 1 \(reflects any Origin, with credentials\)/g)).toHaveLength(5);
      expect(run.stdout).toMatch(/\(sweep: unrelated\)\s+allowed \(hole\)/);
      const result = JSON.parse(readFileSync(join(dir, 'result.json'), 'utf8')) as CheckResult;
      expectValidResult(result);
      expect(result.kind).toBe('check');
      expect(result.check.findings).toHaveLength(1);
      expect(result.check.findings[0]!.cases).toHaveLength(5);
      expect(readFileSync(join(dir, 'report.md'), 'utf8')).toMatch(
        /1\. \[security\] reflects any Origin, with credentials/,
      );
      const junit = readFileSync(join(dir, 'junit.xml'), 'utf8');
      expect(junit).toMatch(/<testsuite name="cors-lab check findings" tests="1" failures="1"/);
      const html = readFileSync(join(dir, 'report.html'), 'utf8');
      expect(html).toMatch(/"findings":\[\{"cause":"reflects-any-origin"/);
      // The page is titled by what was checked, not as the catalog's matrix.
      expect(html).toContain(`<title>cors-lab check: GET ${target}</title>`);

      // The same endpoint as a suite that expects what the server does, sweep off.
      writeFileSync(
        join(dir, 'cors-lab.yaml'),
        `resolve: ["${resolve}"]\nsweep: false\nbrowsers: [chromium]\nendpoints:\n  - url: ${target}\n    credentials: include\n    origins: { "http://app.example.com": allowed }\n`,
      );
      const suite = await cli(
        'check',
        '--config',
        join(dir, 'cors-lab.yaml'),
        '--out',
        join(dir, 'suite'),
        '--no-color',
        '--wide',
      );
      // The endpoint and the path that does not exist beside it (this server answers every path alike).
      expect(suite.stdout).toMatch(/2 allowed, 0 blocked, 0 error/);
      expect(suite.status).toBe(0);
    } finally {
      await reflecting.stop();
    }
  });
});

describe('cors-lab check posing as an IPv6 origin', () => {
  it('serves the posed page at [::1] over http and https in every engine, and sweeps it with valid host names', async () => {
    const express = await startFixture('express-cors-server', { ALLOWED_ORIGINS: 'http://[::1]:8081' });
    try {
      const dir = tempDir('check-ipv6');
      const run = await cli(
        'check',
        `http://api.example.com:${express.port}/api/me`,
        '--origin',
        'http://[::1]:8081',
        '--origin',
        'https://[::1]',
        '--expect',
        'https://[::1]=blocked',
        '--resolve',
        `api.example.com:${express.port}:127.0.0.1:${express.port}`,
        '--reporter',
        'json',
        '--out',
        dir,
        '--no-color',
        '--wide',
      );
      const result = JSON.parse(readFileSync(join(dir, 'result.json'), 'utf8')) as CheckResult;
      const cells = (origin: string) =>
        result.results
          .filter((cell) => cell.scenario.endsWith(` from ${origin}`))
          .map((cell) => `${cell.engine} ${cell.outcome}`);
      // Before, the proxy named the http host with brackets and the https one without: the posed page never loaded (an error).
      expect(cells('http://[::1]:8081')).toEqual(['chromium allowed', 'firefox allowed', 'webkit allowed']);
      // An https page may not fetch an http API (mixed content): blocked, the page having loaded in every engine.
      expect(cells('https://[::1]')).toEqual(['chromium blocked', 'firefox blocked', 'webkit blocked']);
      expect(
        result.results.filter((cell) => cell.outcome === 'error'),
        run.stdout,
      ).toEqual([]);
      expect(run.status, run.stderr).toBe(0);
    } finally {
      await express.stop();
    }
  }, 180_000);
});
