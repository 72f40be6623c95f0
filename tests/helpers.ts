// Test helpers: scenarios written inline as YAML, loaded through the real loader.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadScenarioText, type Scenario } from '../harness/scenario/loader.ts';

export function scenariosFrom(yaml: string, file = 'inline.yaml'): Scenario[] {
  const { scenarios, problems } = loadScenarioText(yaml, file);
  if (problems.length > 0) throw new Error(problems.map((problem) => `${problem.field}: ${problem.message}`).join('\n'));
  return scenarios;
}

/** A private certificate cache, so tests never touch the user's. */
export function tempCertDir(): string {
  return join(mkdtempSync(join(tmpdir(), 'cors-lab-test-')), 'certs');
}
