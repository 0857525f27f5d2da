// `swiftpatterns refresh`: fetch every enabled source now, with a progress bar when
// stderr is a terminal, and a summary line per source on stdout.
import { createLogger } from '../logger.js';
import { poolOptionsFrom, WorkerPool } from '../pool/worker-pool.js';
import { Refresher } from '../sources/refresher.js';
import { SourceRegistry } from '../sources/source-registry.js';
import type { Settings } from '../config.js';

function drawBar(done: number, total: number, label: string): void {
  const width = 24;
  const filled = total === 0 ? width : Math.round((done / total) * width);
  const bar = '#'.repeat(filled) + '-'.repeat(width - filled);
  process.stderr.write(`\r[${bar}] ${done}/${total} ${label.slice(0, 40).padEnd(40)}`);
}

export async function runRefresh(settings: Settings): Promise<number> {
  // The bar is the progress report on a terminal; logs would only garble it.
  const logger = createLogger({
    ...process.env,
    SWIFTPATTERNS_LOG_LEVEL: process.stderr.isTTY ? 'error' : process.env.SWIFTPATTERNS_LOG_LEVEL,
  });
  const registry = new SourceRegistry(settings.home, settings.sources, logger);
  const pool = new WorkerPool(poolOptionsFrom(settings, logger));
  const refresher = new Refresher(registry, pool, logger, {
    refreshIntervalMs: settings.refreshIntervalMs,
    concurrency: settings.poolThreads,
  });
  const ids = registry.enabled().map((s) => s.config.id);
  const tty = process.stderr.isTTY === true;
  if (tty) drawBar(0, ids.length, 'starting');
  try {
    const outcomes = await refresher.refreshAll(ids, {
      onProgress: tty ? (done, total, message) => drawBar(done, total, message) : undefined,
    });
    if (tty) process.stderr.write('\n');
    for (const o of outcomes) {
      const line = o.ok
        ? `${o.source}: ${o.result?.outcome} (${o.result?.itemCount} articles, ${o.result?.durationMs} ms)`
        : `${o.source}: FAILED ${o.error?.code}: ${o.error?.message}`;
      process.stdout.write(line + '\n');
    }
    const failed = outcomes.filter((o) => !o.ok).length;
    process.stdout.write(`${outcomes.length - failed} refreshed, ${failed} failed\n`);
    return failed === 0 ? 0 : 1;
  } finally {
    await pool.destroy();
    await registry.flush();
  }
}
