// One temporary folder for the whole test run, removed at the end, so test
// workers (which may be stopped by a signal) never leave files behind. At the
// end, the run also checks that nothing of cors-lab's outlived it: no browser,
// driver or Xvfb process and no browser profile folder that appeared during
// the tests (the fault suite kills and interrupts runs on purpose), and no
// listening socket that was not there before.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { leftoversSince, snapshot } from './leftovers.ts';

export default function setup(): () => Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'cors-lab-test-'));
  process.env.CORS_LAB_TEST_TMP = root;
  const before = snapshot();
  return async () => {
    rmSync(root, { recursive: true, force: true });
    const left = await leftoversSince(before);
    if (left.length > 0) throw new Error(`the tests left cors-lab's processes or folders behind: ${left.join(', ')}`);
  };
}
