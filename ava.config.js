// ava runs the TypeScript sources through tsx; piscina workers started from a test
// inherit the loader through execArgv, so `.ts` worker files load as well.
export default {
  files: ['test/**/*.test.ts'],
  extensions: { ts: 'module' },
  nodeArguments: ['--import=tsx'],
  workerThreads: false,
  concurrency: 2,
  timeout: '120s',
};
