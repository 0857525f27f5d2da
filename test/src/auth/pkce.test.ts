import test from 'ava';
import fc from 'fast-check';
import {
  VERIFIER_PATTERN, challengeS256, createPkcePair, createVerifier, isValidVerifier,
} from '../../../src/auth/pkce.js';

// RFC 7636 appendix B: the octets, the verifier they encode to, and its S256 challenge.
const RFC_OCTETS = [116, 24, 223, 180, 151, 153, 224, 37, 79, 250, 96, 125, 216, 173, 187, 186,
  22, 212, 37, 77, 105, 214, 191, 240, 91, 88, 5, 88, 83, 132, 141, 121];
const RFC_VERIFIER = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
const RFC_CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';

test('RFC 7636 appendix B known-answer pair', (t) => {
  t.is(Buffer.from(RFC_OCTETS).toString('base64url'), RFC_VERIFIER);
  t.is(challengeS256(RFC_VERIFIER), RFC_CHALLENGE);
});

test('verifiers are 43 to 128 unreserved characters and fresh each time', (t) => {
  const a = createVerifier();
  t.is(a.length, 43);
  t.regex(a, VERIFIER_PATTERN);
  t.not(createVerifier(), a);
  t.is(createVerifier(96).length, 128);
  t.throws(() => createVerifier(31), { instanceOf: RangeError });
  t.throws(() => createVerifier(97), { instanceOf: RangeError });
});

test('every verifier length from 32 to 96 bytes stays within the RFC bounds', (t) => {
  fc.assert(fc.property(fc.integer({ min: 32, max: 96 }), (bytes) => {
    const verifier = createVerifier(bytes);
    return isValidVerifier(verifier) && verifier.length === Math.ceil((bytes * 4) / 3);
  }));
  t.pass();
});

test('challengeS256 refuses verifiers outside the RFC grammar', (t) => {
  t.throws(() => challengeS256('a'.repeat(42)), { instanceOf: TypeError });
  t.throws(() => challengeS256('a'.repeat(129)), { instanceOf: TypeError });
  t.throws(() => challengeS256(`${'a'.repeat(42)}+`), { instanceOf: TypeError });
  t.notThrows(() => challengeS256(`${'a'.repeat(39)}-._~`));
});

test('createPkcePair ties the challenge to the verifier', (t) => {
  const pair = createPkcePair();
  t.is(pair.method, 'S256');
  t.is(pair.challenge, challengeS256(pair.verifier));
  t.regex(pair.challenge, /^[A-Za-z0-9_-]{43}$/);
});
