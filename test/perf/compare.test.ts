import test from 'ava';
import { compareP90 } from '../../perf/lib/compare.js';

test('flags a p90 that grew by more than 20%, not one that grew by exactly 20%', (t) => {
  const changes = compareP90(
    [
      { key: 'a', p90: 1210 },
      { key: 'b', p90: 1200 },
      { key: 'c', p90: 800 },
    ],
    [
      { key: 'a', p90: 1000 },
      { key: 'b', p90: 1000 },
      { key: 'c', p90: 1000 },
    ],
  );
  t.deepEqual(
    changes.map((c) => [c.key, c.growth, c.flagged]),
    [
      ['a', 0.21, true],
      ['b', 0.2, false],
      ['c', -0.2, false],
    ],
  );
});

test('growth relative to the floor tells a slower machine from a slower server', (t) => {
  // Both the scenario and the floor got 50% slower: raw growth is flagged, normalised is 0.
  const [change] = compareP90([{ key: 'a', p90: 1500, floorP90: 300 }], [
    { key: 'a', p90: 1000, floorP90: 200 },
  ]);
  t.like(change, { growth: 0.5, flagged: true, floorNormalizedGrowth: 0 });
});

test('scenarios missing from either run are skipped; a custom threshold applies', (t) => {
  const changes = compareP90(
    [
      { key: 'new', p90: 10 },
      { key: 'kept', p90: 115 },
    ],
    [
      { key: 'gone', p90: 10 },
      { key: 'kept', p90: 100 },
    ],
    0.1,
  );
  t.is(changes.length, 1);
  t.like(changes[0], { key: 'kept', flagged: true, floorNormalizedGrowth: null });
});
