// The import-cycle check (issue 19), run by `npm run lint` and `npm test` (npm run check:layout): dpdm
// over the three packages' sources, tests included. Type-only imports count too (`transform: false`):
// dpdm can tell them apart, but `import type` ties two modules' designs together as much as a value
// import does, and a cycle of types is where a value cycle starts. A cycle fails the run (exit 1) and is
// printed as the chain of files that closes it.
export default {
  files: [
    'packages/server/src/**/*.ts',
    'packages/sfu/src/**/*.ts',
    'packages/media-bot/src/**/*.ts',
    'packages/web/src/**/*.{ts,tsx}',
    'packages/protocol/src/**/*.ts',
  ],
  transform: false,
  tree: false,
  warning: false,
  progress: false,
  exitCode: 'circular:1',
  // Known exceptions, each an import edge (ISSUER:DEPENDENCY) left out of the cycle search: none.
  skipImports: [],
};
