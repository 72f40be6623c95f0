// The lab's servers over real HTTPS on loopback, checked from Node with the
// lab CA as the only trusted root.
import { request as httpsRequest } from 'node:https';
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLab, type Lab } from '../../harness/lab/lab.ts';
import { scenariosFrom, tempCertDir } from '../helpers.ts';

const [scenario] = scenariosFrom(`
id: lab-route
title: lab route
origins: { page: https://app.site-a.localhost, api: https://api.site-b.localhost, other: http://api.site-b.localhost:alt }
request: { target: api, path: /data }
server:
  api:
    /data:
      preflight: { status: 204, headers: { Access-Control-Allow-Origin: "{{origin.page}}", Access-Control-Allow-Methods: [PUT, PATCH] } }
      actual: { status: 201, headers: { Access-Control-Allow-Origin: "{{origin.page}}", X-Base: "{{base.other}}" }, body: "nonce={{nonce}}" }
expect: { spec: allowed }
`);

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function send(
  lab: Lab,
  url: string,
  options: { method?: string; headers?: Record<string, string>; ca?: string; body?: string },
): Promise<Answer> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const call = target.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = call(
      {
        host: '127.0.0.1',
        port: target.port,
        path: target.pathname + target.search,
        method: options.method ?? 'GET',
        headers: { host: target.host, ...options.headers },
        servername: target.hostname,
        ca: options.ca ?? lab.certificates.ca.certPem,
      },
      (res) => {
        let body = '';
        res.on('data', (chunk) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

describe('lab servers and journal', () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await startLab({ hostnames: ['app.site-a.localhost', 'api.site-b.localhost'], certDir: tempCertDir() });
  });
  afterAll(async () => lab?.close());

  it('answers a probe route as declared, with templates filled in', async () => {
    lab.register(scenario!, 'n1');
    const answer = await send(lab, lab.probeUrl(scenario!, 'n1'), {
      headers: { origin: 'https://app.site-a.localhost', cookie: 'a=1' },
    });
    const page = `https://app.site-a.localhost:${lab.ports['https-main']}`;
    expect(answer.status).toBe(201);
    expect(answer.headers['access-control-allow-origin']).toBe(page);
    expect(answer.headers['x-base']).toBe(`http://api.site-b.localhost:${lab.ports['http-alt']}/x/n1`);
    expect(answer.body).toBe('nonce=n1');
  });

  it('answers a preflight separately, with repeated header lines', async () => {
    lab.register(scenario!, 'n2');
    const answer = await send(lab, lab.probeUrl(scenario!, 'n2'), {
      method: 'OPTIONS',
      headers: { origin: 'https://app.site-a.localhost', 'access-control-request-method': 'PUT' },
    });
    expect(answer.status).toBe(204);
    expect(answer.headers['access-control-allow-methods']).toBe('PUT, PATCH');
  });

  it('journals every request with method, headers, nonce, kind and the answer', () => {
    const [request] = lab.journal.forNonce('n1');
    expect(request).toMatchObject({ kind: 'request', method: 'GET', nonce: 'n1', status: 201, server: 'https-main' });
    expect(request!.headers).toMatchObject({ origin: 'https://app.site-a.localhost', cookie: 'a=1' });
    expect(request!.url).toBe(`https://api.site-b.localhost:${lab.ports['https-main']}/x/n1/data`);
    const [preflight] = lab.journal.forNonce('n2');
    expect(preflight).toMatchObject({ kind: 'preflight', method: 'OPTIONS', status: 204 });
    expect(preflight!.headers!['access-control-request-method']).toBe('PUT');
  });

  it('accepts any request body type without answering 415', async () => {
    lab.register(scenario!, 'n3');
    const answer = await send(lab, lab.probeUrl(scenario!, 'n3'), {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: '{not json',
    });
    expect(answer.status).toBe(201);
  });

  it('serves the runner page and the probe script', async () => {
    const page = await send(lab, `https://app.site-a.localhost:${lab.ports['https-main']}/__lab/runner`, {});
    expect(page.body).toContain('/__lab/probes.js');
    const script = await send(lab, `https://app.site-a.localhost:${lab.ports['https-alt']}/__lab/probes.js`, {});
    expect(script.body).toContain('window.__corsLab');
  });

  it('serves the untrusted origin with a certificate the lab CA did not sign, and journals the TLS failure', async () => {
    const from = lab.journal.now();
    await expect(
      send(lab, `https://api.site-b.localhost:${lab.ports['https-untrusted']}/__lab/runner`, {}),
    ).rejects.toThrow(/certificate/i);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(lab.journal.tlsErrors('https-untrusted', from, lab.journal.now()).length).toBeGreaterThan(0);
  });

  it('refuses connections on the stopped port', async () => {
    await expect(send(lab, `https://api.site-b.localhost:${lab.ports['stopped-https']}/`, {})).rejects.toThrow(
      /ECONNREFUSED/,
    );
  });
});
