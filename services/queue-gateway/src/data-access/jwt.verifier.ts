import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload, type JWTVerifyOptions, type JWTVerifyResult } from 'jose';

/** Where the keys come from and what the claims must say (AUTH_* settings). */
export interface JwtSettings {
  /** HS256 shared secret; exactly one of `secret` and `jwksUrl`. */
  secret?: string;
  /** The identity provider's JWKS endpoint (asymmetric keys, fetched and cached by jose). */
  jwksUrl?: string;
  issuer?: string;
  audience?: string;
}

/** The JWT is missing its signature, badly formed, expired, not yet valid or fails a claim check: a 401. */
export class JwtRejectedError extends Error {
  override readonly name = 'JwtRejectedError';
}

/** Verifies a compact JWT and returns its claims; rejects with JwtRejectedError for a bad token. */
export type JwtVerifier = (jwt: string) => Promise<JWTPayload>;

/** Asymmetric algorithms only from a JWKS: a public key must never be usable as an HMAC secret. */
const JWKS_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'];

/**
 * Failures that say "this token is bad". Anything else (the JWKS endpoint timing out or unreachable)
 * is the key source failing, not the client, and surfaces as the error it is (the caller answers 503).
 */
const REJECTIONS: readonly (abstract new (...args: never[]) => Error)[] = [
  errors.JWTExpired,
  errors.JWTClaimValidationFailed,
  errors.JWTInvalid,
  errors.JWSInvalid,
  errors.JWSSignatureVerificationFailed,
  errors.JOSEAlgNotAllowed,
  errors.JOSENotSupported,
  errors.JWKSNoMatchingKey,
  errors.JWKSMultipleMatchingKeys,
];

/**
 * A jose-backed verifier: signature with the configured key (the algorithm pinned to what that key
 * can sign), `exp` and `sub` required, `iss`/`aud` checked when configured, a few seconds of clock skew
 * tolerated.
 */
export function createJwtVerifier(settings: JwtSettings): JwtVerifier {
  const claims: JWTVerifyOptions = { issuer: settings.issuer, audience: settings.audience, requiredClaims: ['exp', 'sub'], clockTolerance: 5 };
  let verify: (jwt: string) => Promise<JWTVerifyResult>;
  if (settings.secret !== undefined) {
    const secret = new TextEncoder().encode(settings.secret);
    verify = (jwt) => jwtVerify(jwt, secret, { ...claims, algorithms: ['HS256'] });
  } else if (settings.jwksUrl !== undefined) {
    const keySet = createRemoteJWKSet(new URL(settings.jwksUrl));
    verify = (jwt) => jwtVerify(jwt, keySet, { ...claims, algorithms: JWKS_ALGORITHMS });
  } else {
    throw new Error('createJwtVerifier needs a secret or a JWKS URL');
  }
  return async (jwt) => {
    try {
      return (await verify(jwt)).payload;
    } catch (error) {
      if (REJECTIONS.some((kind) => error instanceof kind)) throw new JwtRejectedError((error as Error).message, { cause: error });
      throw error;
    }
  };
}
