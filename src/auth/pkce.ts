// Proof Key for Code Exchange, RFC 7636: the verifier stays on this machine, only its hash
// travels in the authorization URL, so a stolen authorization code is useless on its own.
import { createHash, randomBytes } from 'node:crypto';

/** RFC 7636 section 4.1: 43 to 128 characters of the unreserved set. */
export const VERIFIER_PATTERN = /^[A-Za-z0-9\-._~]{43,128}$/;

export interface PkcePair {
  verifier: string;
  challenge: string;
  method: 'S256';
}

/**
 * A fresh verifier: `bytes` random octets, base64url-encoded (the RFC's recommended
 * construction, section 4.1). 32 bytes give 43 characters; at most 96 bytes (128 chars).
 */
export function createVerifier(bytes = 32): string {
  if (!Number.isInteger(bytes) || bytes < 32 || bytes > 96) {
    throw new RangeError(`pkce: bytes must be an integer from 32 to 96, got ${bytes}`);
  }
  return randomBytes(bytes).toString('base64url');
}

export function isValidVerifier(verifier: string): boolean {
  return VERIFIER_PATTERN.test(verifier);
}

/** `BASE64URL(SHA-256(ASCII(verifier)))`, RFC 7636 section 4.2. */
export function challengeS256(verifier: string): string {
  if (!isValidVerifier(verifier)) {
    throw new TypeError('pkce: verifier must be 43 to 128 characters of [A-Za-z0-9-._~]');
  }
  return createHash('sha256').update(verifier, 'ascii').digest('base64url');
}

export function createPkcePair(): PkcePair {
  const verifier = createVerifier();
  return { verifier, challenge: challengeS256(verifier), method: 'S256' };
}
