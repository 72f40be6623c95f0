import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { endpointsFromOpenApi } from '../../harness/check/openapi.ts';
import { tempDir } from '../helpers.ts';

describe('OpenAPI documents', () => {
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
        paths: { '/api/me': { post: { operationId: 'updateMe', requestBody: { content: {} }, responses: { '200': { description: 'updated' } } } } },
      }),
    );
    const { endpoints } = await endpointsFromOpenApi(file, {});
    expect(endpoints).toHaveLength(1);
    expect(endpoints[0]).toMatchObject({ method: 'POST', url: 'https://api.example.com/api/me', headers: {} });
    expect(endpoints[0]!.body).toBeUndefined();
  });
});
