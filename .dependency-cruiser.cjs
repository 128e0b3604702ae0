/**
 * Dependency rules, checked by `npm test` (and `npm run deps`). They keep ARCHITECTURE.md's layering true:
 * dependencies point toward the SDK's protocol, and nothing imports the server but its own code and the tests.
 * @type {import('dependency-cruiser').IConfiguration}
 */
module.exports = {
  forbidden: [
    {
      name: 'server-uses-only-the-protocol',
      comment: 'The server shares only the wire contract with clients: sdk/src/protocol (types and constants), never the client itself.',
      severity: 'error',
      from: { path: '^server/' },
      to: { path: '^sdk/', pathNot: '^sdk/src/protocol/' },
    },
    {
      name: 'lib-below-modules',
      comment:
        'server/src/lib is below the feature modules: a helper that needs a module belongs in that module, or takes it as a parameter. ' +
        'One known exception: lib/http.ts, whose auth plugin resolves the actor with the auth service (it is to move into modules/auth).',
      severity: 'error',
      from: { path: '^server/src/lib/', pathNot: '^server/src/lib/http[.]ts$' },
      to: { path: '^server/src/modules/' },
    },
    {
      name: 'clients-never-import-the-server',
      comment: 'The widget and the examples run in browsers and talk to the server over HTTP and WebSocket only.',
      severity: 'error',
      from: { path: '^(widget|examples)/' },
      to: { path: '^server/' },
    },
    {
      name: 'widget-uses-the-patient-entry',
      comment:
        'The widget bundles only what patients use: it imports @medchat/sdk/patient (and /protocol), never the root or the staff entry, ' +
        'whose staff resources would grow its bundle.',
      severity: 'error',
      from: { path: '^widget/src/' },
      to: { path: '^sdk/src/(index|staff|client)[.]ts$' },
    },
    {
      name: 'no-cycles',
      comment: 'No import cycles, type-only imports included: a cycle means two files are one concept, or a third is missing.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(node_modules|dist)/' },
    // Type-only imports are dependencies too (a cycle of types is still a cycle).
    tsPreCompilationDeps: true,
    // `@medchat/sdk` and its entries (`/patient`, `/staff`, `/protocol`) resolve to the sources, as in tsconfig.json.
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'], extensions: ['.ts', '.mts', '.mjs', '.js'] },
  },
};
