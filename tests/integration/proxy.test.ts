// The posing proxy, driven by Node clients: posed origins go to the lab,
// targets are forwarded (TLS verified upstream) and journaled, anything else
// is refused.
import { request as httpRequest, createServer as createHttp } from 'node:http';
import { createServer as createHttps } from 'node:https';
import { connect as tlsConnect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueCa, issueServerCertificate } from '../../harness/lab/certificates.ts';
import { startLab, type Lab } from '../../harness/lab/lab.ts';
import { startProxy, type LabProxy } from '../../harness/lab/proxy.ts';
import { Upstream } from '../../servers/upstream.ts';
import { tempCertDir } from '../helpers.ts';

let lab: Lab;
let proxy: LabProxy;
const ownCa = issueCa('target CA');
const targetCertificate = issueServerCertificate(['api.example.com'], ownCa);
const target = createHttps({ key: targetCertificate.keyPem, cert: targetCertificate.certPem }, (request, response) => {
  // Two ACAO lines on purpose: the proxy must keep repeats apart.
  response.writeHead(
    200,
    [
      ['Access-Control-Allow-Origin', 'https://app.example.com'],
      ['Access-Control-Allow-Origin', '*'],
      ['X-Seen-Origin', String(request.headers.origin)],
    ].flat(),
  );
  response.end('from the target');
});
const closedPort = await new Promise<number>((resolve) => {
  const probe = createHttp().listen(0, '127.0.0.1', () => {
    const { port } = probe.address() as { port: number };
    probe.close(() => resolve(port));
  });
});

beforeAll(async () => {
  await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', () => resolve()));
  const targetPort = (target.address() as { port: number }).port;
  lab = await startLab({
    hostnames: ['app.example.com', 'api.example.com', 'down.example.com'],
    certDir: tempCertDir(),
  });
  proxy = await startProxy({
    journal: lab.journal,
    label: 'proxy:test',
    posedPort: (scheme, host, port) =>
      host === 'app.example.com' && port === (scheme === 'https' ? 443 : 80)
        ? lab.ports[scheme === 'https' ? 'https-main' : 'http-main']
        : undefined,
    forwarding: {
      forwards: (host) => host === 'api.example.com' || host === 'down.example.com',
      upstream: new Upstream({
        resolve: [
          { host: 'api.example.com', port: 443, address: '127.0.0.1', targetPort },
          { host: 'down.example.com', port: 443, address: '127.0.0.1', targetPort: closedPort },
        ],
        caPems: [ownCa.certPem],
      }),
      certificateFor: () => lab.certificates.leaf,
    },
  });
});
afterAll(async () => {
  await proxy?.close();
  await lab?.close();
  target.close();
});

/** GET https://<authority><path> through the proxy, trusting only the lab CA (as the browsers do). */
function viaConnect(
  authority: string,
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; raw: string[]; body: string }> {
  return new Promise((resolve, reject) => {
    const connect = httpRequest({ host: '127.0.0.1', port: proxy.port, method: 'CONNECT', path: authority });
    connect.on('connect', (answer, socket) => {
      if (answer.statusCode !== 200) return resolve({ status: answer.statusCode ?? 0, raw: [], body: '' });
      const servername = authority.split(':')[0]!;
      const tls = tlsConnect({ socket, servername, ca: lab.certificates.ca.certPem });
      const get = httpRequest(
        { createConnection: () => tls, host: servername, path, headers: { ...headers, host: servername } },
        (response) => {
          let body = '';
          response.on('data', (chunk: Buffer) => (body += chunk));
          response.on('end', () => resolve({ status: response.statusCode ?? 0, raw: response.rawHeaders, body }));
        },
      );
      get.on('error', reject);
      get.end();
    });
    connect.on('error', reject);
    connect.end();
  });
}

describe('the posing proxy', () => {
  it('serves a posed https origin from the lab, with a lab certificate for that host', async () => {
    const page = await viaConnect('app.example.com:443', '/__lab/runner?nonce=p1');
    expect(page.status).toBe(200);
    expect(page.body).toMatch(/<script/);
    expect(lab.journal.forNonce('p1')[0]).toMatchObject({
      server: 'https-main',
      kind: 'lab',
      url: 'https://app.example.com/__lab/runner?nonce=p1',
    });
  });

  it('serves a posed http origin from the lab (absolute-form request)', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      httpRequest(
        {
          host: '127.0.0.1',
          port: proxy.port,
          path: 'http://app.example.com/__lab/runner',
          headers: { host: 'app.example.com' },
        },
        (response) => {
          response.resume();
          resolve(response.statusCode ?? 0);
        },
      )
        .on('error', reject)
        .end();
    });
    expect(status).toBe(200);
  });

  it('forwards to the target where --resolve points, verifies its own CA, journals the exchange with repeats kept', async () => {
    proxy.tag('t1');
    const answer = await viaConnect('api.example.com:443', '/data', { Origin: 'https://app.example.com' });
    proxy.tag(undefined);
    expect(answer).toMatchObject({ status: 200, body: 'from the target' });
    expect(answer.raw.filter((line, index) => index % 2 === 0 && line === 'Access-Control-Allow-Origin')).toHaveLength(
      2,
    );
    const [entry] = lab.journal.forNonce('t1');
    expect(entry).toMatchObject({
      server: 'proxy:test',
      kind: 'request',
      method: 'GET',
      url: 'https://api.example.com/data',
      status: 200,
    });
    expect(entry!.headers!.origin).toBe('https://app.example.com');
    expect(entry!.responseHeaders!['access-control-allow-origin']).toEqual(['https://app.example.com', '*']);
  });

  it('drops the connection when the target does not answer, and journals why', async () => {
    proxy.tag('t2');
    await expect(viaConnect('down.example.com:443', '/x')).rejects.toThrow();
    proxy.tag(undefined);
    const [entry] = lab.journal.forNonce('t2');
    expect(entry!.status).toBeUndefined();
    expect(entry!.error).toMatch(/connection refused/);
  });

  it('refuses hosts that are not targets of the check', async () => {
    const answer = await viaConnect('update.example.net:443', '/');
    expect(answer.status).toBe(403);
    expect(
      lab.journal.entries.some(
        (entry) => entry.kind === 'lab' && entry.url === 'update.example.net:443' && /refused/.test(entry.error ?? ''),
      ),
    ).toBe(true);
  });
});

describe('Upstream and a 400 answer to plain HTTP', () => {
  const serve = async (body: string) => {
    const server = createHttp((_request, response) =>
      response.writeHead(400, { 'Content-Type': 'text/html' }).end(body),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    return { port, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
  };
  const read = async (stream: NodeJS.ReadableStream) => {
    let text = '';
    for await (const chunk of stream) text += String(chunk);
    return text;
  };

  it("a TLS listener's own 400 page is no answer: the reason says to use https://", async () => {
    const server = await serve('<html><center>The plain HTTP request was sent to HTTPS port</center></html>');
    try {
      await expect(
        new Upstream({ timeoutMs: 3000 }).send({
          url: `http://127.0.0.1:${server.port}/x`,
          method: 'GET',
          headers: [],
        }),
      ).rejects.toThrow(
        `TLS: http://127.0.0.1:${server.port} (connecting to 127.0.0.1:${server.port}) answered a plain-HTTP request with 400 "The plain HTTP request was sent to HTTPS port": it speaks TLS on that port`,
      );
    } finally {
      await server.close();
    }
  });

  it("any other 400 is the server's answer, its whole body kept (past the part read to tell)", async () => {
    const body = `{"error": "bad request", "detail": "${'x'.repeat(100_000)}"}`;
    const server = await serve(body);
    try {
      const answer = await new Upstream({ timeoutMs: 3000 }).send({
        url: `http://127.0.0.1:${server.port}/x`,
        method: 'GET',
        headers: [],
      });
      expect(answer.status).toBe(400);
      expect(await read(answer.body)).toBe(body);
    } finally {
      await server.close();
    }
  });
});
