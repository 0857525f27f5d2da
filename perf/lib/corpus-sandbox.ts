// A sandbox for a named corpus: the Swift fixture feeds as they are, or a generated corpus of
// 1k, 10k or 50k articles (generated into a temp dir and removed with the sandbox).
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { feedsDir } from '../../test/support/fixture-server.js';
import { corpusSizes, generateCorpus } from '../corpus.js';
import { openSandbox, swiftFixtureSources } from './sandbox.js';
import type { Sandbox } from './sandbox.js';
import type { CorpusSize } from '../corpus.js';

export const corpusNames = ['fixtures', '1k', '10k', '50k'] as const;
export type CorpusName = (typeof corpusNames)[number];

export interface CorpusSandbox {
  sandbox: Sandbox;
  name: CorpusName;
  /** Articles generated; for the fixtures, what the feeds hold (counted by the server later). */
  articles: number;
  feeds: number;
  bytes: number;
  close(): Promise<void>;
}

/** Items in the four Swift fixture feeds (see ../shared/fixtures/README.md). */
const fixtureArticles = 172 + 547 + 74 + 10;

export async function openCorpusSandbox(name: CorpusName): Promise<CorpusSandbox> {
  if (name === 'fixtures') {
    const sandbox = await openSandbox({ sources: swiftFixtureSources });
    const sizes = await Promise.all(
      swiftFixtureSources.map(async (s) => (await stat(path.join(feedsDir, s.file))).size),
    );
    return {
      sandbox,
      name,
      articles: fixtureArticles,
      feeds: swiftFixtureSources.length,
      bytes: sizes.reduce((a, b) => a + b, 0),
      close: () => sandbox.close(),
    };
  }
  const corpus = await generateCorpus({ articles: corpusSizes[name as CorpusSize] });
  const sandbox = await openSandbox({ feedsRoot: corpus.dir, sources: corpus.sources });
  return {
    sandbox,
    name,
    articles: corpus.articles,
    feeds: corpus.sources.length,
    bytes: corpus.bytes,
    close: async () => {
      await sandbox.close();
      await corpus.remove();
    },
  };
}
