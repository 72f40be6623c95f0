// `npm run bench`, part three: the middleware author's loop. One lab with
// warm browsers (createLab), then lab.probe of a real middleware across every
// engine, repeated; prints each probe's wall time (goal: <= 1 s with warm browsers).
import { createLab } from '../harness/api/lab.ts';
import { simpleCors } from '../examples/middleware-author/simple-cors.ts';

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
  for (let round = 0; round < 10; round++) {
    const started = performance.now();
    const result = await lab.probe({ server: middleware, request: requests[round % 2] });
    times.push(performance.now() - started);
    if (result.allowedIn.length !== lab.engines.length) throw new Error(`probe ${round} was not allowed everywhere: ${result.cells.map((cell) => `${cell.engine} ${cell.outcome}`).join(', ')}`);
  }
  times.sort((a, b) => a - b);
  const ms = (value: number) => `${Math.round(value)} ms`;
  process.stdout.write(`\ncors-lab bench: lab.probe with warm browsers (${lab.engines.map((engine) => `${engine.id} ${engine.version}`).join(', ')}), 10 probes, simple GET and preflighted PUT alternating\n`);
  process.stdout.write(`lab.probe across ${lab.engines.length} engines: median ${ms(times[5]!)}, slowest ${ms(times.at(-1)!)} (goal: <= 1 s)\n`);
} finally {
  await lab.close();
}
