// One lab for a whole test run. Vitest runs globalSetup in its own process and
// test files in workers, so the warm lab cannot be handed over as an object:
// globalSetup serves it on a loopback port (serveLab), and each test file
// connects to it (connectLab). The middleware under test runs in the test's
// own process, on its own loopback port; the lab forwards to it.
//
//   // global-setup.ts
//   export default async function ({ provide }) {
//     const lab = await createLab();
//     const served = await serveLab(lab);
//     provide('corsLab', served.url);
//     return async () => { await served.close(); await lab.close(); };
//   }
//   // a test file
//   const lab = await connectLab(inject('corsLab'));
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { listenOnLoopback } from '../middleware/serve.ts';
import type { CorsLab, ProbeInput, ProbeOutcome } from './lab.ts';
import { serverPool } from './lab.ts';

interface RemoteProbe {
  port: number;
  request?: ProbeInput['request'];
  from?: ProbeInput['from'];
}

/** Serves `lab` to other processes on 127.0.0.1: GET / describes it, POST /probe probes a server on a loopback port. */
export async function serveLab(lab: CorsLab): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((request, response) => {
    void answer(lab, request, response).catch((error: unknown) =>
      send(response, 500, { error: (error as Error).message }),
    );
  });
  const { port, close } = await listenOnLoopback(server);
  return { url: `http://127.0.0.1:${port}`, close };
}

async function answer(lab: CorsLab, request: IncomingMessage, response: ServerResponse): Promise<void> {
  if (request.method === 'GET' && request.url === '/')
    return send(response, 200, { origins: lab.origins, engines: lab.engines, missing: lab.missing });
  if (request.method !== 'POST' || request.url !== '/probe')
    return send(response, 404, { error: 'GET / or POST /probe' });
  let text = '';
  for await (const chunk of request) text += chunk;
  const body = JSON.parse(text) as RemoteProbe;
  if (!Number.isInteger(body.port))
    return send(response, 400, { error: 'port: the loopback port of the server to probe' });
  const outcome = await lab.probe({
    server: { port: body.port },
    ...(body.request ? { request: body.request } : {}),
    ...(body.from ? { from: body.from } : {}),
  });
  send(response, 200, outcome);
}

function send(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

/** A lab served by serveLab, used like createLab's: the middleware runs here, the browsers there. */
export async function connectLab(url: string): Promise<CorsLab> {
  // The usual slip: inject('corsLab') is undefined when vitest.config.ts does not run the global setup that provides it.
  if (typeof url !== 'string' || !/^https?:\/\//.test(url))
    throw new TypeError(
      `connectLab needs the address serveLab returned (got ${url === undefined ? 'undefined' : JSON.stringify(url)}). Fix: list the global setup that calls serveLab and provides it in vitest.config.ts (test.globalSetup), and pass inject('corsLab') (the name it was provided under)`,
    );
  const reached = await fetch(`${url}/`).catch((error: Error) => {
    throw new Error(
      `connectLab: no lab answers at ${url} (${error.message}). Fix: is the global setup's serveLab still running?`,
    );
  });
  const info = (await reached.json()) as Pick<CorsLab, 'origins' | 'engines' | 'missing'>;
  const servers = serverPool();
  return {
    ...info,
    async probe(input) {
      const port = await servers.portFor(input.server);
      const reply = await fetch(`${url}/probe`, {
        method: 'POST',
        body: JSON.stringify({ port, request: input.request, from: input.from } satisfies RemoteProbe),
      });
      const body = (await reply.json()) as ProbeOutcome | { error: string };
      if ('error' in body) throw new Error(`cors-lab lab at ${url}: ${body.error}`);
      return body;
    },
    async close() {
      // The lab belongs to globalSetup; this closes only the servers started here.
      await servers.closeAll();
    },
  };
}
