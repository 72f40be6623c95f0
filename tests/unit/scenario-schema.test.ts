// The JSON Schema editors read (scenarios/scenario.schema.json, generated
// from the zod schema) and the loader agree: on valid and invalid samples of
// every structural kind, and on defaults. What JSON Schema cannot say (an
// origin name that is declared, a template that names one) only the loader
// checks.
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { scenarioJsonSchema } from '../../harness/scenario/json-schema.ts';
import { loadScenarioText } from '../../harness/scenario/loader.ts';

const ajv = new Ajv2020({ strict: false, useDefaults: true });
const validate = ajv.compile(scenarioJsonSchema());

const ORIGINS = 'origins: { page: https://app.site-a.localhost, api: https://api.site-b.localhost }';
const SAMPLES: Record<string, { yaml: string; valid: boolean }> = {
  'a single scenario without expect (the spec model predicts)': {
    yaml: `title: T\n${ORIGINS}\nrequest: { target: api }\n`,
    valid: true,
  },
  'a list whose scenarios have no expect': {
    yaml: `${ORIGINS}\nscenarios:\n  - { id: a, title: T, request: { target: api } }\n`,
    valid: true,
  },
  'a preflight answer without a status': {
    yaml: `title: T\n${ORIGINS}\nrequest: { target: api, method: PUT }\nserver: { api: { /: { preflight: { headers: { Access-Control-Allow-Methods: PUT } } } } }\n`,
    valid: true,
  },
  'a scenario in a list without an id': {
    yaml: `${ORIGINS}\nscenarios:\n  - { title: T, request: { target: api } }\n`,
    valid: false,
  },
  'no title': { yaml: `${ORIGINS}\nrequest: { target: api }\n`, valid: false },
  'an unknown field': {
    yaml: `title: T\n${ORIGINS}\nrequest: { target: api, crossorigin: anonymous }\n`,
    valid: false,
  },
  'a value outside an enum': { yaml: `title: T\n${ORIGINS}\nrequest: { target: api, kind: image }\n`, valid: false },
  'a status given as a string': {
    yaml: `title: T\n${ORIGINS}\nrequest: { target: api }\nserver: { api: { /: { actual: { status: "200" } } } }\n`,
    valid: false,
  },
  'an origin with a numeric port': {
    yaml: `title: T\norigins: { page: "https://app.site-a.localhost:8443", api: https://api.site-b.localhost }\nrequest: { target: api }\n`,
    valid: false,
  },
  'a header value with CR LF': {
    yaml: `title: T\n${ORIGINS}\nrequest: { target: api, headers: { X-A: "a\\r\\nB: c" } }\n`,
    valid: false,
  },
};

describe('the scenario JSON Schema and the loader', () => {
  for (const [name, sample] of Object.entries(SAMPLES)) {
    it(`agree on ${name}: ${sample.valid ? 'valid' : 'invalid'}`, () => {
      const byLoader = loadScenarioText(sample.yaml, 'sample.yaml').problems;
      const bySchema = validate(parse(sample.yaml));
      expect(byLoader.length === 0, JSON.stringify(byLoader)).toBe(sample.valid);
      expect(bySchema, JSON.stringify(validate.errors)).toBe(sample.valid);
    });
  }

  it('state the same defaults: a declared preflight answer is 204, an actual answer 200', () => {
    // Editors read the default from the schema (ajv applies none inside anyOf, where an answer or a list of answers is allowed).
    const route = (scenarioJsonSchema() as any).$defs.scenario.properties.server.additionalProperties
      .additionalProperties.properties;
    const statusDefault = (phase: 'preflight' | 'actual') => route[phase].anyOf[0].properties.status.default;
    const yaml = `title: T\n${ORIGINS}\nrequest: { target: api, method: PUT }\nserver: { api: { /: { preflight: { headers: {} }, actual: { headers: {} } } } }\n`;
    const [scenario] = loadScenarioText(yaml, 'sample.yaml').scenarios;
    expect(statusDefault('preflight')).toBe(204);
    expect(scenario!.server.api!['/']!.preflight).toMatchObject({ status: statusDefault('preflight') });
    expect(scenario!.server.api!['/']!.actual).toMatchObject({ status: statusDefault('actual') });
  });
});
