// Writes that readers never see half done: the data goes to a temp file next to the target,
// is flushed, then renamed over it. rename(2) within one directory is atomic on POSIX, so
// when two processes write the same target at once each rename replaces the whole file and
// the last one wins.
import { randomBytes } from 'node:crypto';
import { readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import path from 'node:path';

export async function writeFileAtomic(
  file: string,
  data: string | Buffer,
  // Owner only: the data directory may hold paid (Patreon) posts and their indexes.
  mode = 0o600,
): Promise<void> {
  const dir = path.dirname(file);
  // pid + random suffix: unique across processes and across concurrent calls in one process.
  const temp = path.join(
    dir,
    `.${path.basename(file)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`,
  );

  try {
    const handle = await open(temp, 'wx', mode);
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true }).catch(() => {});
    throw error;
  }

  await fsyncDir(dir);
}

// Makes the rename itself durable. Some platforms and file systems refuse to open or fsync
// a directory (Windows, some network mounts); the data is already in place, so that is
// not an error.
async function fsyncDir(dir: string): Promise<void> {
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // best effort, see above
  }
}

// `.<name>.<pid>.<hex>.tmp`, as written above.
const TEMP_NAME = /^\..+\.(\d+)\.[0-9a-f]{12}\.tmp$/;

/**
 * Removes temp files in `dir` that a writer left behind when it died between open and
 * rename (a worker terminated mid-write, a killed process). A temp file whose process is
 * still alive belongs to a writer at work (maybe another server sharing the directory)
 * and is kept unless it is over an hour old. Returns the names removed.
 */
export function sweepTempFiles(dir: string, maxAgeMs = 3_600_000): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const match = TEMP_NAME.exec(name);
    if (!match) continue;
    const file = path.join(dir, name);
    const pid = Number(match[1]);
    const age = Date.now() - (statSync(file, { throwIfNoEntry: false })?.mtimeMs ?? 0);
    if (pid !== process.pid && isAlive(pid) && age < maxAgeMs) continue;
    try {
      rmSync(file, { force: true });
      removed.push(name);
    } catch {
      // another sweeper got there first, or the directory is read-only: harmless
    }
  }
  return removed;
}

export interface FileLockOptions {
  /** How long to wait for another holder before taking the lock over anyway. */
  waitMs?: number;
  /** A lock file older than this is left over from a stuck or dead holder. */
  staleMs?: number;
}

/**
 * Runs `fn` while holding `lockFile` (created exclusively, holding this pid), so processes
 * sharing a data directory take turns at a read-modify-write of one file. A lock whose
 * process is gone, or older than `staleMs`, is taken over; after `waitMs` it is taken over
 * anyway, because a stuck peer must not stop this process from saving its state.
 */
export async function withFileLock<T>(
  lockFile: string,
  fn: () => Promise<T>,
  options: FileLockOptions = {},
): Promise<T> {
  const { waitMs = 2_000, staleMs = 10_000 } = options;
  const started = Date.now();
  for (;;) {
    try {
      const handle = await open(lockFile, 'wx', 0o600);
      try {
        await handle.writeFile(String(process.pid));
      } finally {
        await handle.close();
      }
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if (lockIsStale(lockFile, staleMs) || Date.now() - started > waitMs) {
        await rm(lockFile, { force: true });
        continue;
      }
      await new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 10));
    }
  }
  try {
    return await fn();
  } finally {
    // Only our own: a peer may have taken a lock we held too long.
    if (readLock(lockFile) === String(process.pid)) await rm(lockFile, { force: true });
  }
}

function readLock(lockFile: string): string | null {
  try {
    return readFileSync(lockFile, 'utf8');
  } catch {
    return null;
  }
}

function lockIsStale(lockFile: string, staleMs: number): boolean {
  const age = Date.now() - (statSync(lockFile, { throwIfNoEntry: false })?.mtimeMs ?? 0);
  if (age > staleMs) return true;
  // Empty: its holder is between creating and writing it; give it the benefit of the doubt.
  const pid = Number(readLock(lockFile));
  return Number.isInteger(pid) && pid > 0 && !isAlive(pid);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
