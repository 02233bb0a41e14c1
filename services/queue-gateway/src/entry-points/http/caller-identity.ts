import { AuthenticatedIssueTokenRequest, HttpHeaders, IssueTokenRequest, UserId } from '@ticketing/contracts';
import { AppError, parseInput } from '@ticketing/service-kit';
import { JwtRejectedError, type JwtVerifier } from '../../data-access/jwt.verifier';

/** What `POST /queue/tokens` knows about its caller before deciding who they are. */
export interface IssueRequest {
  /** The `Authorization` header as sent, if any. */
  authorization: string | undefined;
  /** The parsed JSON body (undefined when there was none). */
  body: unknown;
}

/** Decides which user a token is issued to; throws an AppError (400/401/403/503) when it cannot. */
export type CallerIdentifier = (request: IssueRequest) => Promise<string>;

/** AUTH_MODE=dev: the body's `userId`, as API.md describes it. Never used in production (config refuses it). */
export const bodyIdentity: CallerIdentifier = async ({ body }) => parseInput(IssueTokenRequest, body).userId;

/** 401 with the RFC 6750 challenge: plain `Bearer` when no token came, `error="invalid_token"` for a bad one. */
const rejected = (message: string, cause?: unknown, challenge = 'Bearer error="invalid_token"') =>
  new AppError('AUTH.TOKEN_INVALID', message, { cause, headers: { [HttpHeaders.WwwAuthenticate]: challenge } });

/** `Bearer <jwt>`, the scheme case-insensitive (RFC 7235); anything else is no credential at all. */
function bearerToken(authorization: string | undefined): string | undefined {
  const match = /^Bearer +([A-Za-z0-9._~+/-]+=*)$/i.exec(authorization ?? '');
  return match?.[1];
}

/**
 * AUTH_MODE=jwt: the user is the `sub` of a verified JWT. A body may still name a `userId` (clients
 * written against API.md send one); it must then be the subject itself, otherwise 403
 * AUTH.USER_MISMATCH: a signed-in user never joins the line for somebody else.
 */
export function jwtIdentity(verify: JwtVerifier): CallerIdentifier {
  return async ({ authorization, body }) => {
    const jwt = bearerToken(authorization);
    if (jwt === undefined) throw rejected('An Authorization: Bearer <jwt> header is required', undefined, 'Bearer');
    // The body is checked first and cheaply: a malformed one is a 400 whatever the token.
    const { userId } = parseInput(AuthenticatedIssueTokenRequest, body ?? {});
    const claims = await verify(jwt).catch((error: unknown) => {
      if (error instanceof JwtRejectedError) throw rejected('The bearer token is invalid or expired', error);
      throw new AppError('COMMON.UNAVAILABLE', 'Identity cannot be checked right now; retry shortly', {
        cause: error,
        headers: { [HttpHeaders.RetryAfter]: '1' },
      });
    });
    const subject = UserId.safeParse(claims.sub);
    if (!subject.success) throw rejected('The bearer token names no valid user (sub must be 1-64 characters of A-Z a-z 0-9 _ -)');
    if (userId !== undefined && userId !== subject.data) throw new AppError('AUTH.USER_MISMATCH', 'userId must be the signed-in user');
    return subject.data;
  };
}
