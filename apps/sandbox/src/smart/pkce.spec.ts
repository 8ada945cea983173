import { isS256Challenge, s256, verifierMatches } from './pkce';

describe('PKCE S256 (RFC 7636)', () => {
  // RFC 7636 Appendix B.
  const verifier = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
  const challenge = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';

  it('hashes the verifier as the RFC example does', () => {
    expect(s256(verifier)).toBe(challenge);
    expect(isS256Challenge(challenge)).toBe(true);
    expect(verifierMatches(verifier, challenge)).toBe(true);
  });

  it('refuses another verifier, a malformed one, and the challenge itself (plain)', () => {
    expect(verifierMatches(`${verifier.slice(0, -1)}Y`, challenge)).toBe(false);
    expect(verifierMatches('short', s256('short'))).toBe(false);
    expect(verifierMatches('x'.repeat(129), s256('x'.repeat(129)))).toBe(false);
    expect(verifierMatches(challenge, challenge)).toBe(false);
  });

  it('accepts only 43-character base64url challenges', () => {
    expect(isS256Challenge(`${challenge}=`)).toBe(false);
    expect(isS256Challenge(challenge.replace('-', '+'))).toBe(false);
    expect(isS256Challenge(verifier.slice(0, 42))).toBe(false);
  });
});
