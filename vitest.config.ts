import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/{unit,integration,browsers,check,faults}/**/*.test.ts'],
    // Real browsers start slowly on a busy 2-core machine.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    globalSetup: ['tests/global-setup.ts'],
    coverage: { include: ['harness/**', 'servers/**', 'reports/**'] },
  },
});
