// Where everything lives under the data directory (`home`). Source ids become file names,
// so they are checked here, once, against a pattern that cannot express a path.
import path from 'node:path';
import { StoreError } from './store-error.js';

export interface DataPaths {
  home: string;
  /** One `<sourceId>.json` per source. */
  snapshots: string;
  /** Serialized search indexes, `<hash>.json`, one per set of snapshots. */
  index: string;
}

/** Letters, digits, `.`, `_`, `-`; starts with a letter or digit; at most 64 characters. */
// Explicit ranges, no flags: the same pattern is published in the tools' JSON Schemas.
export const SOURCE_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export function dataPaths(home: string): DataPaths {
  const root = path.resolve(home);
  return {
    home: root,
    snapshots: path.join(root, 'snapshots'),
    index: path.join(root, 'index'),
  };
}

export function assertSourceId(sourceId: string): void {
  // A leading dot is already excluded by the pattern; '..' alone cannot match either.
  if (typeof sourceId !== 'string' || !SOURCE_ID_PATTERN.test(sourceId)) {
    throw new StoreError(
      'INVALID_SOURCE_ID',
      `invalid source id ${JSON.stringify(sourceId)}: expected 1 to 64 letters, digits, ` +
        `'.', '_' or '-', starting with a letter or digit`,
    );
  }
}

export function snapshotFile(home: string, sourceId: string): string {
  assertSourceId(sourceId);
  return path.join(dataPaths(home).snapshots, `${sourceId}.json`);
}
