// Pending OAuth flows, keyed by their `state` (RFC 6749 section 10.12, CSRF protection).
// A state is unguessable (32 random bytes), accepted once, and only within its lifetime;
// the comparison runs in constant time so response timing leaks nothing about it.
import { randomBytes, timingSafeEqual } from 'node:crypto';

/** 10 minutes: long enough to log in, short enough that a leaked URL goes stale. */
export const DEFAULT_FLOW_TTL_MS = 10 * 60 * 1000;

/** Pending flows kept at most; the oldest is dropped beyond this (each login adds one). */
export const MAX_PENDING_FLOWS = 8;

export interface PendingFlow {
  /** 32 random bytes, base64url (43 characters). */
  state: string;
  /** The PKCE verifier of this flow; sent only to the token endpoint. */
  verifier: string;
  /** The redirect URI put in the authorization URL; the token request repeats it. */
  redirectUri: string;
  /** Clock value (ms) when the flow was created. */
  createdAt: number;
}

/** Why a state was refused; none of these may lead to a token request. */
export type StateRejection = 'missing' | 'unknown' | 'expired';

export type ConsumeResult =
  | { ok: true; flow: PendingFlow }
  | { ok: false; reason: StateRejection };

export interface FlowStateOptions {
  /** Lifetime of a flow in ms. Default {@link DEFAULT_FLOW_TTL_MS}. */
  ttlMs?: number;
  /** Clock in ms; tests inject one instead of sleeping. Default `Date.now`. */
  now?: () => number;
}

export class FlowStateStore {
  readonly #ttlMs: number;
  readonly #now: () => number;
  // Insertion order is creation order, which makes dropping the oldest cheap.
  readonly #flows = new Map<string, PendingFlow>();

  constructor(options: FlowStateOptions = {}) {
    this.#ttlMs = options.ttlMs ?? DEFAULT_FLOW_TTL_MS;
    this.#now = options.now ?? Date.now;
    if (!(this.#ttlMs > 0)) {
      throw new RangeError(`flow-state: ttlMs must be > 0, got ${this.#ttlMs}`);
    }
  }

  get size(): number {
    return this.#flows.size;
  }

  /** Starts a flow with a fresh state. */
  create(input: { verifier: string; redirectUri: string }): PendingFlow {
    this.#sweep();
    while (this.#flows.size >= MAX_PENDING_FLOWS) {
      const oldest = this.#flows.keys().next().value as string;
      this.#flows.delete(oldest);
    }
    const flow: PendingFlow = {
      state: randomBytes(32).toString('base64url'),
      verifier: input.verifier,
      redirectUri: input.redirectUri,
      createdAt: this.#now(),
    };
    this.#flows.set(flow.state, flow);
    return flow;
  }

  /**
   * Takes the flow a callback's `state` names, removing it: a second use of the same state
   * is 'unknown'. Every pending state is compared (never a Map lookup by the untrusted
   * value), each in constant time, so the time taken does not depend on how much of the
   * state an attacker guessed right.
   */
  consume(state: string | null | undefined): ConsumeResult {
    if (typeof state !== 'string' || state.length === 0) return { ok: false, reason: 'missing' };

    const given = Buffer.from(state, 'utf8');
    let match: PendingFlow | undefined;
    for (const flow of this.#flows.values()) {
      const expected = Buffer.from(flow.state, 'utf8');
      // timingSafeEqual needs equal lengths; compare against itself to keep the work even.
      const same = given.length === expected.length
        ? timingSafeEqual(given, expected)
        : !timingSafeEqual(expected, expected);
      if (same) match = flow;
    }
    if (!match) return { ok: false, reason: 'unknown' };

    this.#flows.delete(match.state);
    if (this.#expired(match)) return { ok: false, reason: 'expired' };
    return { ok: true, flow: match };
  }

  /** Forgets one flow (login cancelled) or all of them. */
  discard(state?: string): void {
    if (state === undefined) this.#flows.clear();
    else this.#flows.delete(state);
  }

  #expired(flow: PendingFlow): boolean {
    return this.#now() - flow.createdAt >= this.#ttlMs;
  }

  #sweep(): void {
    for (const flow of this.#flows.values()) {
      if (this.#expired(flow)) this.#flows.delete(flow.state);
    }
  }
}
