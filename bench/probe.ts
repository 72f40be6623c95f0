// `npm run bench`, lab.probe part: the middleware author's loop. One lab with
// warm browsers (createLab), then lab.probe of a real middleware across every
// engine, repeated; prints the median and slowest probe (goal: <= 1 s with
// warm browsers). The quick form makes 3 probes instead of 10.
import { createLab } from '../harness/api/lab.ts';
import { simpleCors } from '../examples/middleware-author/simple-cors.ts';
import type { BenchPart } from './figures.ts';

export const probePart: BenchPart = async (quick) => {
  const rounds = quick ? 3 : 10;
  const lab = await createLab();
  try {
    const middleware = simpleCors({ origins: [lab.origins.page], methods: ['GET', 'PUT'] });
    const requests = [
      { path: '/items' },
      { method: 'PUT', path: '/items/1', body: '{}', headers: { 'Content-Type': 'application/json' } },
    ];
    // The first probe loads the runner page in each engine; it is not counted.
    await lab.probe({ server: middleware, request: requests[0] });
    const times: number[] = [];
    for (let round = 0; round < rounds; round++) {
      const started = performance.now();
      const result = await lab.probe({ server: middleware, request: requests[round % 2] });
      times.push(performance.now() - started);
      if (result.allowedIn.length !== lab.engines.length)
        throw new Error(
          `probe ${round} was not allowed everywhere: ${result.cells.map((cell) => `${cell.engine} ${cell.outcome}`).join(', ')}`,
        );
    }
    times.sort((a, b) => a - b);
    const ms = (value: number) => `${Math.round(value)} ms`;
    process.stdout.write(
      `\ncors-lab bench: lab.probe with warm browsers (${lab.engines.map((engine) => `${engine.id} ${engine.version}`).join(', ')}), ${rounds} probes, simple GET and preflighted PUT alternating\n`,
    );
    process.stdout.write(
      `lab.probe across ${lab.engines.length} engines: median ${ms(times[Math.floor(rounds / 2)]!)}, slowest ${ms(times.at(-1)!)} (goal: <= 1 s)\n`,
    );
    return {
      ran: times.length === rounds,
      summary: `lab.probe: ${rounds} probes in ${lab.engines.length} engines`,
      figures: {
        medianMs: Math.round(times[Math.floor(rounds / 2)]!),
        slowestMs: Math.round(times.at(-1)!),
        engines: lab.engines.length,
      },
    };
  } finally {
    await lab.close();
  }
};
