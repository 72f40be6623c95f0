// Test helpers: scenarios written inline as YAML, loaded through the real loader.
import { spawn } from 'node:child_process';
import { Ajv, type ValidateFunction } from 'ajv';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadScenarioText, type Scenario } from '../harness/scenario/loader.ts';

export function scenariosFrom(yaml: string, file = 'inline.yaml'): Scenario[] {
  const { scenarios, problems } = loadScenarioText(yaml, file);
  if (problems.length > 0)
    throw new Error(problems.map((problem) => `${problem.field}: ${problem.message}`).join('\n'));
  return scenarios;
}

/** One scenario on https://app.site-a.localhost, for a test that needs only a lab page to load in an engine. */
export function pageOnlyScenario(): Scenario {
  return scenariosFrom(`
origins: { page: https://app.site-a.localhost }
scenarios:
  - id: page
    title: the page's own origin
    request: { target: page, path: /p }
`)[0]!;
}

// Temporary files live under the run's folder (tests/global-setup.ts), which
// is removed when the run ends; a process without one cleans up on exit.
const root = process.env.CORS_LAB_TEST_TMP ?? ownRoot();

function ownRoot(): string {
  const dir = mkdtempSync(join(tmpdir(), 'cors-lab-test-'));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export function tempDir(name: string): string {
  return mkdtempSync(join(root, `${name}-`));
}

/** A private certificate cache, so tests never touch the user's. */
export function tempCertDir(): string {
  const dir = join(tempDir('certs'), 'certs');
  mkdirSync(dir, { recursive: true });
  return dir;
}

export const NODE = new URL('../node_modules/.bin/node', import.meta.url).pathname;
export const BIN = new URL('../bin/cors-lab.js', import.meta.url).pathname;
export const PROJECT_ROOT = new URL('..', import.meta.url).pathname;

export interface Finished {
  status: number | null;
  stdout: string;
  stderr: string;
  /** Set when the command was stopped for running past its time limit. */
  timedOut?: true;
}

/**
 * Runs a command to its end, without blocking this process's event loop
 * (fixture servers may live in it); with `timeoutMs`, one that has not ended
 * by then is sent SIGTERM and reported as timed out.
 */
export function runCommand(
  command: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<Finished> {
  // The width the terminal views fit is the test's to set: not the shell's COLUMNS the tests happen to run under.
  const { COLUMNS: _shellColumns, ...inherited } = process.env;
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      env: { ...inherited, CI: 'true', ...options.env },
      ...(options.cwd ? { cwd: options.cwd } : {}),
    });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    const timer =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            child.kill('SIGTERM');
          }, options.timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr, ...(timedOut ? { timedOut: true as const } : {}) });
    });
  });
}

/** Runs the CLI as a user does. */
export function runCli(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<Finished> {
  return runCommand(NODE, [BIN, ...args], options);
}

/**
 * Fails unless `result` (a parsed result.json of any kind) is valid against
 * scenarios/result.schema.json, the published schema of the result, naming
 * every field that is not.
 */
export function expectValidResult(result: unknown): void {
  validateResult ??= new Ajv({ allErrors: true, strict: false }).compile(
    JSON.parse(readFileSync(new URL('../scenarios/result.schema.json', import.meta.url), 'utf8')) as object,
  );
  if (!validateResult(result)) {
    throw new Error(
      `the result does not match scenarios/result.schema.json:\n${validateResult.errors!.map((error) => `  ${error.instancePath || '/'} ${error.message} ${JSON.stringify(error.params)}`).join('\n')}`,
    );
  }
}
let validateResult: ValidateFunction | undefined;
