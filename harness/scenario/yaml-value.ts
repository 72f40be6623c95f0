// A parsed YAML document's value, or why it has none, for every YAML file
// cors-lab reads with the `yaml` library's documents (scenario files, the
// engine-behaviour registry): a syntax error names its line, and a document
// whose aliases expand past the library's limit (an alias bomb, which the
// library refuses with a ReferenceError while building the value) is a
// problem of the file, not a crash.
import type { Document } from 'yaml';

export type YamlValue = { value: unknown } | { problems: { field: string; message: string }[] };

export function yamlValue(document: Document.Parsed): YamlValue {
  if (document.errors.length > 0) {
    return {
      problems: document.errors.map((error) => ({
        field: error.linePos?.[0] ? `line ${error.linePos[0].line}, column ${error.linePos[0].col}` : '',
        message: `YAML syntax error: ${error.message.split('\n')[0]}`,
      })),
    };
  }
  try {
    return { value: document.toJS() };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (/alias/i.test(message)) return { problems: [{ field: '', message: 'its aliases (*name) expand to more than the YAML reader takes, as an alias bomb does. Fix: write the values out, or nest fewer aliases' }] };
    return { problems: [{ field: '', message: `not readable as YAML: ${message.split('\n')[0]}` }] };
  }
}
