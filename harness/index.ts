// The package's programmatic entry:
//   import { createLab, connectLab, serveLab, corsMatchers, defineConfig } from 'cors-lab';
export {
  createLab,
  type CorsLab,
  type CreateLabOptions,
  type ProbeInput,
  type ProbeOutcome,
  type ConnectMiddleware,
} from './api/lab.ts';
export { corsMatchers, type CorsMatchers } from './api/matchers.ts';
export { connectLab, serveLab } from './api/remote.ts';
export { defineConfig, type CheckConfig } from './check/plan.ts';
export { HANDLER_ANSWER, type MiddlewareAdapter, type RouteHandler } from './middleware/adapter.ts';
export type { CorsPolicy } from './scenario/policy.ts';
export type { CheckSection, CheckFinding, FindingCase, FindingCause } from './result/check.ts';
export type { CellResult, CheckResult, CorsLabResult, ResearchResult, RunResult } from './result/result.ts';
