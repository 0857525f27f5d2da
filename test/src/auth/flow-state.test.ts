import test from 'ava';
import {
  DEFAULT_FLOW_TTL_MS, FlowStateStore, MAX_PENDING_FLOWS,
} from '../../../src/auth/flow-state.js';

const input = { verifier: 'v'.repeat(43), redirectUri: 'http://127.0.0.1:1/oauth/callback' };

function clock(start = 1_000_000) {
  const c = { t: start, now: () => c.t };
  return c;
}

test('a state is 32 random bytes, base64url, and carries its flow', (t) => {
  const store = new FlowStateStore();
  const flow = store.create(input);
  t.regex(flow.state, /^[A-Za-z0-9_-]{43}$/);
  t.is(Buffer.from(flow.state, 'base64url').length, 32);
  t.not(store.create(input).state, flow.state);
  t.like(store.consume(flow.state), { ok: true, flow: { ...input, state: flow.state } });
});

test('a state is single use: the replay is unknown', (t) => {
  const store = new FlowStateStore();
  const { state } = store.create(input);
  t.true(store.consume(state).ok);
  t.deepEqual(store.consume(state), { ok: false, reason: 'unknown' });
});

test('missing and mismatched states are refused and leave the flow pending', (t) => {
  const store = new FlowStateStore();
  const { state } = store.create(input);
  t.deepEqual(store.consume(undefined), { ok: false, reason: 'missing' });
  t.deepEqual(store.consume(''), { ok: false, reason: 'missing' });
  const flipped = (state[0] === 'A' ? 'B' : 'A') + state.slice(1);
  t.deepEqual(store.consume(flipped), { ok: false, reason: 'unknown' });
  t.deepEqual(store.consume(state.slice(1)), { ok: false, reason: 'unknown' });
  t.deepEqual(store.consume(`${state}x`), { ok: false, reason: 'unknown' });
  t.true(store.consume(state).ok);
});

test('a state expires after 10 minutes', (t) => {
  const c = clock();
  const store = new FlowStateStore({ now: c.now });
  const early = store.create(input);
  const late = store.create(input);
  c.t += DEFAULT_FLOW_TTL_MS - 1;
  t.true(store.consume(early.state).ok);
  c.t += 1;
  t.deepEqual(store.consume(late.state), { ok: false, reason: 'expired' });
  t.deepEqual(store.consume(late.state), { ok: false, reason: 'unknown' });
});

test('pending flows are bounded; the oldest goes first', (t) => {
  const store = new FlowStateStore();
  const first = store.create(input);
  for (let i = 0; i < MAX_PENDING_FLOWS; i += 1) store.create(input);
  t.is(store.size, MAX_PENDING_FLOWS);
  t.deepEqual(store.consume(first.state), { ok: false, reason: 'unknown' });
});
