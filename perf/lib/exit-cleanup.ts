// Temp dirs and server processes must not outlive a run that is interrupted (Ctrl-C, a CI
// timeout): cleanups registered here also run on SIGINT and SIGTERM, newest first (servers
// stop before the directory they write into is removed), then the process exits.
const cleanups: Array<() => Promise<void>> = [];
let installed = false;

/** Runs `cleanup` if the process is interrupted; call the returned function to drop it. */
export function onInterrupt(cleanup: () => Promise<void>): () => void {
  if (!installed) {
    installed = true;
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      process.once(signal, () => void runAll().then(() => process.exit(130)));
    }
  }
  cleanups.push(cleanup);
  return () => {
    const index = cleanups.indexOf(cleanup);
    if (index >= 0) cleanups.splice(index, 1);
  };
}

async function runAll(): Promise<void> {
  for (const cleanup of cleanups.reverse()) {
    await cleanup().catch(() => {});
  }
}
