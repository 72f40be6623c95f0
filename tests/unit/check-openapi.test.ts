import { truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { endpointsFromOpenApi, MAX_OPENAPI_BYTES } from '../../harness/check/openapi.ts';
import { tempDir } from '../helpers.ts';

describe('OpenAPI documents', () => {
  it('refuses a document over the size bound before reading it, saying its size, the bound and how to cut it', async () => {
    const file = join(tempDir('openapi-size'), 'huge.yaml');
    writeFileSync(file, '');
    truncateSync(file, MAX_OPENAPI_BYTES + 1024 * 1024);
    await expect(endpointsFromOpenApi(file, {})).rejects.toThrow(
      `${file}: (file): the OpenAPI document is 21 MB; cors-lab reads OpenAPI documents of up to 20 MB. Fix: give the part of the API to check (one document per tag or service), or list the endpoints in a check config (--config)`,
    );
  });

  // Found by tests/faults/fuzz-inputs.test.ts: a request body whose content
  // lists no media type is valid OpenAPI, and reading its first media type
  // ended in "Cannot read properties of undefined" (a harness failure).
  it('an operation whose request body lists no media type is checked without a body', async () => {
    const file = join(tempDir('openapi-unit'), 'openapi.json');
    writeFileSync(
      file,
      JSON.stringify({
        openapi: '3.1.0',
        info: { title: 'Accounts', version: '1.0' },
        servers: [{ url: 'https://api.example.com' }],
        paths: {
          '/api/me': {
            post: {
              operationId: 'updateMe',
              requestBody: { content: {} },
              responses: { '200': { description: 'updated' } },
            },
          },
        },
      }),
    );
    const { endpoints } = await endpointsFromOpenApi(file, {});
    expect(endpoints).toHaveLength(1);
    expect(endpoints[0]).toMatchObject({ method: 'POST', url: 'https://api.example.com/api/me', headers: {} });
    expect(endpoints[0]!.body).toBeUndefined();
  });
});
