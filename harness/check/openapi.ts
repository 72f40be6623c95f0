// check --openapi: the API's own description (OpenAPI 3.0 or 3.1, JSON or
// YAML, parsed, dereferenced and validated by @apidevtools/swagger-parser).
// Each operation becomes an endpoint: the path with its parameters filled
// from their examples (or a placeholder of their type), required query
// parameters, declared request headers, a JSON body from the example, and
// its security scheme as a page would send it (a bearer token or an API-key
// header makes the request non-simple; a cookie makes it credentialed).
import SwaggerParser from '@apidevtools/swagger-parser';
import { existsSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import type { CheckSource } from '../result/check.ts';
import { sizeProblem } from './input-size.ts';
import { SkippedInputs } from './skipped.ts';
import { CheckInputError, type CheckEndpoint } from './plan.ts';

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'] as const;

/** Stand-ins for credentials: the check asks whether a browser may send them, not whether they are valid. */
const TOKEN = 'cors-lab-test-token';

interface Schema {
  type?: string | string[];
  format?: string;
  example?: unknown;
  examples?: unknown[];
  default?: unknown;
  enum?: unknown[];
}
interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  example?: unknown;
  examples?: Record<string, { value?: unknown }>;
  schema?: Schema;
}
interface MediaType {
  example?: unknown;
  examples?: Record<string, { value?: unknown }>;
  schema?: Schema;
}
interface Operation {
  operationId?: string;
  parameters?: Parameter[];
  requestBody?: { content?: Record<string, MediaType> };
  security?: Record<string, string[]>[];
}
interface SecurityScheme {
  type: 'http' | 'apiKey' | 'oauth2' | 'openIdConnect' | 'mutualTLS';
  scheme?: string;
  in?: 'header' | 'query' | 'cookie';
  name?: string;
}
interface Document {
  openapi?: string;
  swagger?: string;
  servers?: { url: string; variables?: Record<string, { default: string }> }[];
  paths?: Record<string, (Record<string, Operation> & { parameters?: Parameter[] }) | undefined>;
  security?: Record<string, string[]>[];
  components?: { securitySchemes?: Record<string, SecurityScheme> };
}

export interface OpenApiOptions {
  /** Where the API runs, instead of the document's first server (e.g. a staging deployment). */
  baseUrl?: string;
}

/**
 * The largest OpenAPI document read: resolving its $refs takes about fifty
 * times its size in memory (npm run bench measures it), so this bound keeps
 * the peak near 1.2 GB.
 */
export const MAX_OPENAPI_BYTES = 20 * 1024 * 1024;

export async function endpointsFromOpenApi(
  path: string,
  options: OpenApiOptions,
): Promise<{ endpoints: CheckEndpoint[]; source: CheckSource }> {
  const file = resolvePath(path);
  const tooLarge = sizeProblem(
    file,
    MAX_OPENAPI_BYTES,
    'OpenAPI document',
    'give the part of the API to check (one document per tag or service), or list the endpoints in a check config (--config)',
  );
  if (tooLarge) throw new CheckInputError([tooLarge]);
  if (!existsSync(file))
    throw new CheckInputError([
      { file, field: '', message: 'no such file. Fix: give the path of your OpenAPI document (YAML or JSON)' },
    ]);
  let document: Document;
  try {
    // No $ref is fetched from the network: a check reads the document it was given and the files beside it.
    document = (await SwaggerParser.validate(file, { resolve: { http: false } })) as Document;
  } catch (error) {
    throw new CheckInputError([
      {
        file,
        field: '',
        message: `not a valid OpenAPI document: ${(error as Error).message.split('\n').slice(0, 3).join(' ')}`,
      },
    ]);
  }
  if (!document.openapi?.startsWith('3.')) {
    throw new CheckInputError([
      {
        file,
        field: document.swagger ? 'swagger' : 'openapi',
        message: `OpenAPI ${document.openapi ?? document.swagger ?? '(unknown version)'} is not supported. Fix: give an OpenAPI 3.0 or 3.1 document (swagger2openapi converts a Swagger 2.0 one)`,
      },
    ]);
  }
  const base = baseUrlOf(file, document, options.baseUrl);
  const skipped = new SkippedInputs();
  const endpoints: CheckEndpoint[] = [];
  let read = 0;
  for (const [template, item] of Object.entries(document.paths ?? {})) {
    if (!item) continue;
    for (const method of METHODS) {
      const operation = item[method];
      if (!operation) continue;
      read++;
      const label = `${method.toUpperCase()} ${template}`;
      if (method === 'options') {
        skipped.add('an OPTIONS operation (the browser sends OPTIONS itself, as the preflight)', label);
        continue;
      }
      endpoints.push(endpointOf(document, base, template, method, operation, item.parameters ?? []));
    }
  }
  if (endpoints.length === 0)
    throw new CheckInputError([
      { file, field: 'paths', message: 'no operation to check. Fix: give a document with paths and operations' },
    ]);
  return { endpoints, source: { kind: 'openapi', file, read, taken: endpoints.length, skipped: skipped.list() } };
}

function baseUrlOf(file: string, document: Document, given: string | undefined): string {
  const server = document.servers?.[0];
  const fromDocument = server
    ? server.url.replace(/\{([^}]+)\}/g, (_, name: string) => server.variables?.[name]?.default ?? name)
    : undefined;
  const base = given ?? fromDocument;
  let url: URL | undefined;
  try {
    url = base ? new URL(base) : undefined;
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new CheckInputError([
      given
        ? { file: 'command line', field: '--base-url', message: `'${given}' is not an absolute http(s) URL` }
        : {
            file,
            field: 'servers[0].url',
            message: `${fromDocument ? `'${fromDocument}' is not an absolute http(s) URL` : 'no server'}: cors-lab needs to know where the API runs. Fix: --base-url https://api.example.com`,
          },
    ]);
  }
  return url.href.replace(/\/$/, '');
}

function endpointOf(
  document: Document,
  base: string,
  template: string,
  method: string,
  operation: Operation,
  shared: Parameter[],
): CheckEndpoint {
  // Operation parameters override path-level ones of the same name and place.
  const parameters = [
    ...shared.filter(
      (parameter) =>
        !(operation.parameters ?? []).some((own) => own.name === parameter.name && own.in === parameter.in),
    ),
    ...(operation.parameters ?? []),
  ];
  const path = template.replace(/\{([^}]+)\}/g, (_, name: string) =>
    encodeURIComponent(
      String(valueOf(parameters.find((parameter) => parameter.in === 'path' && parameter.name === name))),
    ),
  );
  const url = new URL(`${base}${path}`);
  const headers: Record<string, string> = {};
  let credentials: CheckEndpoint['credentials'] = 'same-origin';
  for (const parameter of parameters) {
    if (parameter.in === 'query' && parameter.required)
      url.searchParams.set(parameter.name, String(valueOf(parameter)));
    // Every declared header: the front end may send it, and a non-safelisted one needs the preflight to allow it.
    if (
      parameter.in === 'header' &&
      !['accept', 'content-type', 'authorization'].includes(parameter.name.toLowerCase())
    )
      headers[parameter.name] = String(valueOf(parameter));
    if (parameter.in === 'cookie') credentials = 'include';
  }
  // The first security requirement (an empty one means none is needed).
  const requirement = (operation.security ?? document.security ?? [])[0] ?? {};
  for (const name of Object.keys(requirement)) {
    const scheme = document.components?.securitySchemes?.[name];
    if (!scheme) continue;
    if (
      (scheme.type === 'http' && scheme.scheme?.toLowerCase() === 'bearer') ||
      scheme.type === 'oauth2' ||
      scheme.type === 'openIdConnect'
    )
      headers.Authorization = `Bearer ${TOKEN}`;
    else if (scheme.type === 'http' && scheme.scheme?.toLowerCase() === 'basic')
      headers.Authorization = `Basic ${Buffer.from(`cors-lab:${TOKEN}`).toString('base64')}`;
    else if (scheme.type === 'apiKey' && scheme.in === 'header' && scheme.name) headers[scheme.name] = TOKEN;
    else if (scheme.type === 'apiKey' && scheme.in === 'query' && scheme.name) url.searchParams.set(scheme.name, TOKEN);
    else if (scheme.type === 'apiKey' && scheme.in === 'cookie') credentials = 'include';
  }
  let body: string | undefined;
  const content = operation.requestBody?.content;
  // A request body whose content lists no media type has no body cors-lab could send.
  if (content && Object.keys(content).length > 0 && !['get', 'head'].includes(method)) {
    const type = Object.keys(content).find((candidate) => /json/i.test(candidate)) ?? Object.keys(content)[0]!;
    headers['Content-Type'] = type;
    const media = content[type]!;
    const example = media.example ?? Object.values(media.examples ?? {})[0]?.value ?? media.schema?.example;
    body =
      example === undefined
        ? /json/i.test(type)
          ? '{}'
          : ''
        : typeof example === 'string'
          ? example
          : JSON.stringify(example);
  }
  return {
    name: `${method.toUpperCase()} ${template}${operation.operationId ? ` (${operation.operationId})` : ''}`,
    url: url.href,
    method: method.toUpperCase(),
    headers,
    ...(body !== undefined ? { body } : {}),
    credentials,
    kind: 'fetch',
    // Filled in from --origin: the document does not know the front end.
    origins: [],
  };
}

/** A parameter's example, else a placeholder of its type. */
function valueOf(parameter: Parameter | undefined): unknown {
  if (!parameter) return 'cors-lab';
  const schema = parameter.schema ?? {};
  const example =
    parameter.example ??
    Object.values(parameter.examples ?? {})[0]?.value ??
    schema.example ??
    schema.examples?.[0] ??
    schema.default ??
    schema.enum?.[0];
  if (example !== undefined) return example;
  const type = Array.isArray(schema.type) ? schema.type.find((candidate) => candidate !== 'null') : schema.type;
  if (type === 'integer' || type === 'number') return 1;
  if (type === 'boolean') return true;
  if (schema.format === 'uuid') return '00000000-0000-4000-8000-000000000000';
  return 'cors-lab';
}
