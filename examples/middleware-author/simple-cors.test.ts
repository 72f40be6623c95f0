// simple-cors in real Chromium, Firefox and WebKit. The lab and its warm
// browsers come from global-setup.ts, so each probe costs a request, not a
// launch. (In a single file, `lab = await createLab()` in beforeAll does too.)
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { connectLab, corsMatchers, type CorsLab, type CorsMatchers } from 'cors-lab';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { simpleCors } from './simple-cors.ts';

declare module 'vitest' {
  interface Matchers<R extends void | Promise<void> = void | Promise<void>, T = unknown> extends CorsMatchers<R> {}
}
expect.extend(corsMatchers);

let lab: CorsLab;
beforeAll(async () => {
  lab = await connectLab(inject('corsLab'));
});
afterAll(async () => {
  await lab?.close();
});

describe('simple-cors in real browsers', () => {
  it('lets the listed front end read a response', async () => {
    const result = await lab.probe({
      server: simpleCors({ origins: [lab.origins.page] }),
      request: { path: '/items' },
    });
    expect(result).toBeAllowedIn();
    // Each engine sent the requests the spec sends (its journal held against the spec model's chain).
    for (const cell of result.cells) expect(cell.requestMismatch).toBeUndefined();
  });

  it('refuses a foreign page', async () => {
    const result = await lab.probe({
      server: simpleCors({ origins: [lab.origins.page] }),
      request: { path: '/items' },
      from: 'foreign',
    });
    expect(result).toBeBlockedIn();
  });

  it('allows credentials only when asked to', async () => {
    const request = { path: '/me', credentials: 'include' as const };
    expect(
      await lab.probe({ server: simpleCors({ origins: [lab.origins.page], credentials: true }), request }),
    ).toBeAllowedIn();
    expect(await lab.probe({ server: simpleCors({ origins: [lab.origins.page] }), request })).toBeBlockedIn();
  });

  it('preflights PUT, and allows it only when listed', async () => {
    const request = { method: 'PUT', path: '/items/1', body: '{}', headers: { 'Content-Type': 'application/json' } };
    expect(await lab.probe({ server: simpleCors({ origins: [lab.origins.page] }), request })).toBeBlockedIn();
    const listed = await lab.probe({
      server: simpleCors({ origins: [lab.origins.page], methods: ['GET', 'PUT'] }),
      request,
    });
    expect(listed).toBeAllowedIn();
    // The journal shows the preflight the browser sent.
    for (const cell of listed.cells) expect(cell.evidence.preflightSent).toBe(true);
  });

  it('exposes a response header only when listed', async () => {
    const request = { path: '/items', readHeader: 'X-Request-Id' };
    expect(await lab.probe({ server: simpleCors({ origins: [lab.origins.page] }), request })).toBeBlockedIn();
    expect(
      await lab.probe({
        server: simpleCors({ origins: [lab.origins.page], exposeHeaders: ['X-Request-Id'] }),
        request,
      }),
    ).toBeAllowedIn();
  });

  it('says Vary: Origin on every answer, refusals and preflights included, so caches key on the Origin', async () => {
    const preflighted = {
      method: 'PUT',
      path: '/items/1',
      body: '{}',
      headers: { 'Content-Type': 'application/json' },
    };
    expect(
      await lab.probe({ server: simpleCors({ origins: [lab.origins.page], methods: ['PUT'] }), request: preflighted }),
    ).toVaryOnOrigin();
    expect(
      await lab.probe({
        server: simpleCors({ origins: [lab.origins.page] }),
        request: { path: '/items' },
        from: 'foreign',
      }),
    ).toVaryOnOrigin();
    // A hand-rolled reflection without Vary fails it.
    const reflecting = (request: IncomingMessage, response: ServerResponse, next: () => void) => {
      response.setHeader('Access-Control-Allow-Origin', request.headers.origin ?? '');
      next();
    };
    expect(await lab.probe({ server: reflecting, request: { path: '/items' } })).not.toVaryOnOrigin();
  });
});
