// One temporary folder for the whole test run, removed at the end, so test
// workers (which may be stopped by a signal) never leave files behind.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function setup(): () => void {
  const root = mkdtempSync(join(tmpdir(), 'cors-lab-test-'));
  process.env.CORS_LAB_TEST_TMP = root;
  return () => rmSync(root, { recursive: true, force: true });
}
