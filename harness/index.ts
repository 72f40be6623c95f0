// The package's programmatic entry: `import { defineConfig } from 'cors-lab'`.
export { defineConfig, type CheckConfig } from './check/plan.ts';
export type { CheckSection, RunResult, SecurityFinding } from './run/result.ts';
