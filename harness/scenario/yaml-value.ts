// A parsed YAML document's value, or why it has none, for every YAML file
// cors-lab reads (scenario files, the engine-behaviour registry, check
// configs, remote-engine configs): a syntax error names its line, and a
// document whose aliases expand past the library's limit (an alias bomb,
// which the library refuses with a ReferenceError while building the value)
// or that nests deeper than its reader recurses is a problem of the file,
// not a crash.
import { readFileSync } from 'node:fs';
import { parseDocument, type Document } from 'yaml';
import { messageOf } from '../package/error-message.ts';

export type YamlValue = { value: unknown } | { problems: { field: string; message: string }[] };

const TOO_DEEP = 'it nests deeper than the YAML reader goes. Fix: nest fewer levels';

export function yamlValue(document: Document.Parsed): YamlValue {
  if (document.errors.length > 0) {
    if (document.errors.some((error) => /call stack/i.test(error.message)))
      return { problems: [{ field: '', message: TOO_DEEP }] };
    return {
      problems: document.errors.map((error) => ({
        field: error.linePos?.[0] ? `line ${error.linePos[0].line}, column ${error.linePos[0].col}` : '',
        // The position is the field already: not said twice ("… at line 4, column 1:").
        message: `YAML syntax error: ${error.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')}`,
      })),
    };
  }
  try {
    return { value: document.toJS() };
  } catch (error) {
    const message = messageOf(error);
    if (/call stack/i.test(message)) return { problems: [{ field: '', message: TOO_DEEP }] };
    if (/alias/i.test(message))
      return {
        problems: [
          {
            field: '',
            message:
              'its aliases (*name) expand to more than the YAML reader takes, as an alias bomb does. Fix: write the values out, or nest fewer aliases',
          },
        ],
      };
    return { problems: [{ field: '', message: `not readable as YAML: ${message.split('\n')[0]}` }] };
  }
}

/** The value of the YAML (or JSON) file `file`, or why it has none; a file that cannot be read says so. */
export function yamlFileValue(file: string): YamlValue {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    return {
      problems: [
        {
          field: '',
          message: `cannot read it (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}). Fix: check the path`,
        },
      ],
    };
  }
  try {
    return yamlValue(parseDocument(text, { prettyErrors: true }));
  } catch (error) {
    const message = messageOf(error);
    return {
      problems: [
        {
          field: '',
          message: /call stack/i.test(message) ? TOO_DEEP : `not readable as YAML: ${message.split('\n')[0]}`,
        },
      ],
    };
  }
}
