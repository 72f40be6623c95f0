// Test helpers: scenarios written inline as YAML, loaded through the real loader.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadScenarioText, type Scenario } from '../harness/scenario/loader.ts';

export function scenariosFrom(yaml: string, file = 'inline.yaml'): Scenario[] {
  const { scenarios, problems } = loadScenarioText(yaml, file);
  if (problems.length > 0) throw new Error(problems.map((problem) => `${problem.field}: ${problem.message}`).join('\n'));
  return scenarios;
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
