// The import rules of ARCHITECTURE.md, checked in `npm test` (npm run
// lint:imports): no cycles, and imports run one way: engines, servers and the
// scenario/spec vocabulary at the bottom, then the result types, the lab, the
// session layer, the features, the reports, the CLI.
const FEATURES = '^harness/(run|check|middleware|research|api)/';

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'An import cycle: some file in it belongs in a lower layer.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'servers-below-lab',
      severity: 'error',
      comment: 'The lab starts the servers; servers never reach up into the lab, the session or the features.',
      from: { path: '^servers/' },
      to: { path: ['^harness/(lab|session|result|cli)/', FEATURES] },
    },
    {
      name: 'result-below-features',
      severity: 'error',
      comment:
        'The result schema is the lowest layer a feature writes to: it imports no lab, session, feature, report or CLI code.',
      from: { path: '^harness/result/' },
      to: { path: ['^harness/(lab|session|cli)/', FEATURES, '^reports/'] },
    },
    {
      name: 'vocabulary-below-everything',
      severity: 'error',
      comment: 'The spec model, scenarios, probes and engines import nothing above them.',
      from: { path: '^harness/(spec|scenario|probes|engines|package)/' },
      to: { path: ['^harness/(lab|session|result|cli)/', FEATURES, '^reports/', '^servers/'] },
    },
    {
      name: 'session-below-features',
      severity: 'error',
      comment: 'The session layer serves every feature and knows none of them.',
      from: { path: '^harness/session/' },
      to: { path: [FEATURES, '^harness/cli/', '^reports/'] },
    },
    {
      name: 'reports-read-the-result',
      severity: 'error',
      comment:
        'Reports render the JSON result; they do not reach into the lab, the session or the features. (Journal entries are part of the result, so servers/journal.ts, which defines them, may be read.)',
      from: { path: '^reports/' },
      to: { path: ['^harness/(lab|session|cli)/', FEATURES, '^servers/(?!journal\\.ts$)'] },
    },
  ],
  options: {
    // TypeScript 7's package has no JavaScript API; swc reads the sources, type-only imports included.
    parser: 'swc',
    tsPreCompilationDeps: true,
    doNotFollow: { path: 'node_modules' },
    exclude: { path: 'node_modules' },
  },
};
