// cors-lab ui when a warm browser dies mid-probe: the run in progress ends
// with that cell an error saying why, the UI keeps running, and the next run
// over the same hosts works in the same (relaunched) browser.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startUi, TOKEN_HEADER, type RunningUi } from '../../harness/ui/server.ts';
import { startFixture, type FixtureServer } from '../check-helpers.ts';
import { tempCertDir } from '../helpers.ts';
import { mainBrowserProcess, until } from './processes.ts';

let ui: RunningUi;
let target: FixtureServer;

beforeAll(async () => {
  target = await startFixture('streaming-server');
  ui = await startUi({ certDir: tempCertDir(), timeoutMs: 6000 });
});
afterAll(async () => {
  await ui?.close();
  await target?.stop();
});

const call = async (path: string, body?: unknown) => {
  const answer = await fetch(`http://127.0.0.1:${ui.port}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { [TOKEN_HEADER]: ui.token, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return (await answer.json()) as Record<string, unknown>;
};

type RunView = { done: boolean; cells: { engine: string; outcome: string; explanation: string }[] };
async function finished(id: string): Promise<RunView> {
  let run: RunView | undefined;
  for (let tries = 0; tries < 240 && !run?.done; tries++) {
    run = (await call(`/api/runs/${id}`)) as unknown as RunView;
    if (!run.done) await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return run!;
}

describe('cors-lab ui, a warm browser killed mid-probe', () => {
  it('shows that cell as an error with its cause, keeps serving, and the next run relaunches the browser and works', async () => {
    const form = (path: string) => ({
      url: `http://127.0.0.1:${target.port}${path}`,
      origins: ['http://app.example.com'],
      engines: ['chromium'],
    });
    // /hang never answers: the browser waits on it when it is killed.
    const first = (await call('/api/runs', form('/hang'))) as { id: string };
    const asked = () => target.log.filter((line) => line.path === '/hang').length;
    // The replay from Node asks first, then the browser.
    expect(await until(() => asked() >= 2, 60_000)).toBe(true);
    const browser = mainBrowserProcess(process.pid, 'chromium');
    expect(browser, 'the warm Chromium below this process').toBeDefined();
    process.kill(browser!, 'SIGKILL');
    const killed = await finished(first.id);
    expect(killed.done).toBe(true);
    expect(killed.cells.map((cell) => [cell.engine, cell.outcome])).toEqual([['chromium', 'error']]);
    expect(killed.cells[0]!.explanation).toMatch(/closed|crash|disconnect|gone|killed/i);

    // The same hosts again: the warm set is kept, its browser relaunched, and the run measures.
    const launched = ui.browsersLaunched();
    const second = (await call('/api/runs', form('/events'))) as { id: string };
    const works = await finished(second.id);
    expect(works.cells.map((cell) => [cell.engine, cell.outcome])).toEqual([['chromium', 'allowed']]);
    expect(ui.browsersLaunched()).toBe(launched);
  });
});
