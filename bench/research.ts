// `npm run bench`, research part: `research max-age` and `research pna` across
// every engine found, with their wall time against the goals. The quick form
// runs each study in Chromium alone.
import type { EngineId } from '../harness/engines/types.ts';
import { studyMaxAge } from '../harness/research/max-age.ts';
import { studyPna } from '../harness/research/pna.ts';
import { seconds, type BenchPart } from './figures.ts';

export const researchPart: BenchPart = async (quick) => {
  const engines: EngineId[] | undefined = quick ? ['chromium'] : undefined;
  const goal = (ms: number, goalMs: number) =>
    quick ? '' : ` (goal: <= ${goalMs / 1000} s, ratio ${(ms / goalMs).toFixed(2)})`;

  let started = performance.now();
  const maxAge = await studyMaxAge({ maxWaitSeconds: 30, timeoutMs: 8000, ...(engines ? { engines } : {}) });
  const maxAgeMs = performance.now() - started;
  const bracketed = maxAge.engines
    .flatMap((engine) => engine.cases)
    .filter((entry) => entry.lifetime.kind === 'bracket' || entry.lifetime.kind === 'not-cached').length;
  const cases = maxAge.engines.reduce((total, engine) => total + engine.cases.length, 0);
  process.stdout.write(
    `\ncors-lab bench: research max-age (${maxAge.engines.map((engine) => `${engine.engine.id} ${engine.engine.version}: ${engine.clock.mode} time`).join(', ')})\n`,
  );
  process.stdout.write(
    `research max-age: ${seconds(maxAgeMs)} for ${maxAge.engines.length} engines, ${bracketed} of ${cases} cases bracketed${goal(maxAgeMs, 30_000)}\n`,
  );
  for (const missing of maxAge.enginesMissing) process.stdout.write(`  ${missing.id}: not run (${missing.reason})\n`);

  started = performance.now();
  const pna = await studyPna({ timeoutMs: 4000, ...(engines ? { engines } : {}) });
  const pnaMs = performance.now() - started;
  const observations = pna.engines.reduce((total, engine) => total + engine.observations.length, 0);
  process.stdout.write(
    `\ncors-lab bench: research pna (${pna.engines.map((engine) => `${engine.engine.id} ${engine.engine.version}`).join(', ')})\n`,
  );
  process.stdout.write(
    `research pna: ${seconds(pnaMs)} for ${pna.engines.length} engines, ${observations} observations${goal(pnaMs, 60_000)}\n`,
  );
  for (const missing of pna.enginesMissing) process.stdout.write(`  ${missing.id}: not run (${missing.reason})\n`);

  return {
    ran: cases > 0 && observations > 0,
    summary: `research: ${cases} max-age cases, ${observations} pna observations`,
    figures: {
      maxAgeMs: Math.round(maxAgeMs),
      maxAgeCases: cases,
      maxAgeBracketed: bracketed,
      pnaMs: Math.round(pnaMs),
      pnaObservations: observations,
    },
  };
};
