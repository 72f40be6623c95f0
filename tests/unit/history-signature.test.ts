// What research history and bisect compare of a cell between builds: its
// outcome, its first request and its journal, preflights included (a change
// may be in the preflight alone), with the nonce and the lab's ports left out.
import { describe, expect, it } from 'vitest';
import type { JournalEntry } from '../../servers/journal.ts';
import type { CellResult } from '../../harness/result/result.ts';
import { cellSignature } from '../../harness/research/history.ts';

const entry = (fields: Partial<JournalEntry>): JournalEntry => ({
  seq: 1,
  time: '2026-12-08T00:00:00.000Z',
  at: 0,
  server: 'https-main',
  kind: 'request',
  nonce: 'n0nce',
  ...fields,
});

const cell = (journal: JournalEntry[]) =>
  ({
    outcome: 'blocked',
    evidence: {
      journal,
      requestShape: { seen: { mode: 'cors', origin: 'https://app.site-a.localhost:8443', preflight: true } },
    },
  }) as unknown as CellResult;

describe('the signature research history compares', () => {
  it('holds the preflight with its Access-Control-Request-* headers, then the request', () => {
    const signature = cellSignature(
      cell([
        entry({
          kind: 'preflight',
          method: 'OPTIONS',
          url: 'https://api.site-b.localhost:8443/x/n0nce/item',
          status: 204,
          headers: {
            origin: 'https://app.site-a.localhost:8443',
            'access-control-request-method': 'PUT',
            'access-control-request-headers': 'content-type',
          },
        }),
        entry({
          seq: 2,
          method: 'PUT',
          url: 'https://api.site-b.localhost:8443/x/n0nce/item',
          status: 200,
          headers: { origin: 'https://app.site-a.localhost:8443' },
        }),
        entry({ seq: 3, kind: 'control', method: 'GET', url: 'https://api.site-b.localhost:8443/__lab/control/n0nce' }),
      ]),
    );
    expect(signature).toEqual({
      outcome: 'blocked',
      request: 'mode cors, Origin https://app.site-a.localhost, preflight first',
      journal:
        'OPTIONS /x/{nonce}/item 204 [ACRM PUT; ACRH content-type; Origin https://app.site-a.localhost] → PUT /x/{nonce}/item 200 [Origin https://app.site-a.localhost]',
    });
  });

  it('says when nothing reached the lab', () => {
    expect(cellSignature(cell([]))?.journal).toBe('nothing reached the lab');
  });
});
