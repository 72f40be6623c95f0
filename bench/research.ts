// `npm run bench`, part four: the research max-age study across every engine
// found, with the clock controlled where the engine allows it; prints its
// wall time against the goal (<= 10 minutes) and how each engine's clock was
// driven.
import { studyMaxAge } from '../harness/research/max-age.ts';

const started = performance.now();
const study = await studyMaxAge({ maxWaitSeconds: 30, timeoutMs: 8000 });
const seconds = (performance.now() - started) / 1000;
const bracketed = study.engines.flatMap((engine) => engine.cases).filter((entry) => entry.lifetime.kind === 'bracket' || entry.lifetime.kind === 'not-cached').length;
const cases = study.engines.reduce((total, engine) => total + engine.cases.length, 0);
process.stdout.write(`\ncors-lab bench: research max-age (${study.engines.map((engine) => `${engine.engine.id} ${engine.engine.version}: ${engine.clock.mode} time`).join(', ')})\n`);
process.stdout.write(`research max-age: ${seconds.toFixed(1)} s for ${study.engines.length} engines, ${bracketed} of ${cases} cases bracketed (goal: <= 600 s, ratio ${(seconds / 600).toFixed(2)})\n`);
for (const missing of study.enginesMissing) process.stdout.write(`  ${missing.id}: not run (${missing.reason})\n`);
