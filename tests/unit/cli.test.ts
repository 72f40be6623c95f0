// The CLI as a user runs it: a real process, real exit codes.
import { spawnSync } from 'node:child_process';
import { writeFileSync, existsSync } from 'node:fs';
import { tempDir } from '../helpers.ts';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const NODE = new URL('../../node_modules/.bin/node', import.meta.url).pathname;
const BIN = new URL('../../bin/cors-lab.js', import.meta.url).pathname;

function cli(...args: string[]) {
  return spawnSync(NODE, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, CI: 'true' }, timeout: 60_000 });
}

describe('cors-lab CLI', () => {
  it('exits 2 on malformed scenarios, naming every bad file and field, and writes no report', () => {
    const dir = tempDir('cli');
    writeFileSync(join(dir, 'one.yaml'), 'title: T\norigins: { page: https://a.localhost }\nrequest: { target: page, method: "GE T" }\nexpect: { spec: allowed }\n');
    writeFileSync(join(dir, 'two.yaml'), 'title: T\norigins: { page: https://a.localhost }\nrequest: { target: page }\nexpect: { spec: yes }\n');
    const out = join(dir, 'out');
    const result = cli('run', dir, '--out', out);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/one\.yaml: request\.method: a method must be an HTTP token/);
    expect(result.stderr).toMatch(/two\.yaml: expect\.spec: expected one of "allowed", "blocked"/);
    expect(existsSync(out)).toBe(false);
  });

  it('exits 2 for an unknown engine or reporter', () => {
    expect(cli('run', '--browsers', 'opera').status).toBe(2);
    const reporter = cli('run', '--reporter', 'pdf');
    expect(reporter.status).toBe(2);
    expect(reporter.stderr).toMatch(/unknown reporter "pdf"/);
  });

  it('prints help with exit 0', () => {
    const result = cli('--help');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/run \[options\] \[paths\.\.\.\]/);
    expect(result.stdout).toMatch(/install-browsers/);
  });
});
