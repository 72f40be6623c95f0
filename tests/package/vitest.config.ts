// The package test (tests/package): it packs cors-lab, installs the tarball
// into fresh projects and runs real browsers from there, so it runs on its own,
// after the main suite, with generous time.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/package/**/*.test.ts'],
    testTimeout: 300_000,
    hookTimeout: 300_000,
    globalSetup: ['tests/global-setup.ts'],
  },
});
