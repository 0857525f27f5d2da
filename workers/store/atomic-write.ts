// Writes that readers never see half done: the data goes to a temp file next to the target,
// is flushed, then renamed over it. rename(2) within one directory is atomic on POSIX, so
// when two processes write the same target at once each rename replaces the whole file and
// the last one wins.
import { randomBytes } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import path from 'node:path';

export async function writeFileAtomic(
  file: string,
  data: string | Buffer,
  mode = 0o644,
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
