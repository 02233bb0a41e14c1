import { z } from 'zod';
import { createDocument, type ZodOpenApiOperationObject, type ZodOpenApiPathsObject, type ZodOpenApiResponsesObject } from 'zod-openapi';
import { ErrorBody } from '../errors';
import { HttpHeaders } from '../http/headers';

/*
 * OpenAPI 3.1 documents generated from the zod contracts, so the spec cannot drift from what the
 * services validate and answer. Each service lists its operations (./operations.ts) and serves the
 * document at /openapi.json, with Swagger UI at /docs.
 */

/** The credentials an operation may ask for (see `securitySchemes`). */
export type Credential = 'queueToken' | 'jwt' | 'operator' | 'internal';

/** One success answer: its description and JSON schema, or another media type (an event stream, Prometheus text). */
export interface SuccessAnswer {
  description: string;
  schema?: z.ZodType;
  mediaType?: 'text/event-stream' | 'text/plain';
}

/** An OpenAPI 3.1 document. */
export type OpenApiDocument = ReturnType<typeof createDocument>;

/** One operation of a service's HTTP API, written against the zod contracts. */
export interface ApiOperation {
  method: 'get' | 'post' | 'delete';
  /** Express style (`/reservations/:reservationId`), as the services mount it. */
  path: string;
  summary: string;
  description?: string;
  tag: string;
  params?: z.ZodObject;
  query?: z.ZodObject;
  /** Header parameters other than credentials (e.g. `Idempotency-Key`). */
  headers?: z.ZodObject;
  body?: z.ZodType;
  responses: Readonly<Record<number, SuccessAnswer>>;
  /** The error statuses the operation may answer, each with the shared error body. */
  errors: readonly number[];
  /** Any one of these credentials is accepted; `optional` also allows none. */
  security?: { anyOf: readonly Credential[]; optional?: boolean };
}

const ErrorSchema = ErrorBody.meta({ id: 'Error', description: 'Every error answer: a stable code, a sentence, the request id.' });

const ERROR_DESCRIPTIONS: Readonly<Record<number, string>> = {
  400: 'The input does not match the contract (`VALIDATION.*`).',
  401: 'A credential is missing, unknown or expired.',
  403: 'The credential is valid but does not allow this (e.g. the queue token is still waiting).',
  404: 'No such resource (or not yours).',
  405: 'The path exists but not with this method; `Allow` lists the methods it takes.',
  409: 'The request conflicts with the current state (seat taken, hold expired, already paid, hold limit).',
  413: 'The body is larger than the limit.',
  415: 'The body is not `application/json`.',
  429: 'Too many requests; `Retry-After` says when to try again.',
  503: 'A dependency is unavailable; `Retry-After` says when to try again.',
};

const RetryAfter = z.string().meta({ description: 'Seconds to wait before trying again.' });

const securitySchemes = {
  queueToken: { type: 'apiKey', in: 'header', name: HttpHeaders.QueueToken, description: 'The token `POST /queue/tokens` returned; protected routes need it ACTIVE.' },
  jwt: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'AUTH_MODE=jwt: the host site’s token for the user; its subject is the userId.' },
  operator: { type: 'http', scheme: 'bearer', description: 'OPS_TOKEN: the operator credential.' },
  internal: { type: 'apiKey', in: 'header', name: HttpHeaders.InternalToken, description: 'The calling service’s credential (service to service only).' },
} as const;

/** Express `:name` segments as OpenAPI `{name}` templates. */
export function openApiPath(expressPath: string): string {
  return expressPath.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

function responsesOf(operation: ApiOperation): ZodOpenApiResponsesObject {
  const responses: ZodOpenApiResponsesObject = {};
  for (const [status, answer] of Object.entries(operation.responses)) {
    const content =
      answer.mediaType !== undefined
        ? { [answer.mediaType]: { schema: z.string() } }
        : answer.schema === undefined
          ? undefined
          : { 'application/json': { schema: answer.schema } };
    responses[status as `2${string}`] = { description: answer.description, ...(content && { content }) };
  }
  for (const status of operation.errors) {
    const retry = status === 429 || status === 503;
    responses[`${status}` as `4${string}`] = {
      description: ERROR_DESCRIPTIONS[status] ?? 'An error.',
      ...(retry && { headers: z.object({ [HttpHeaders.RetryAfter]: RetryAfter }) }),
      ...(status === 405 && { headers: z.object({ Allow: z.string() }) }),
      content: { 'application/json': { schema: ErrorSchema } },
    };
  }
  return responses;
}

function operationObject(operation: ApiOperation): ZodOpenApiOperationObject {
  const security = operation.security && [...(operation.security.optional ? [{}] : []), ...operation.security.anyOf.map((name) => ({ [name]: [] }))];
  return {
    summary: operation.summary,
    ...(operation.description && { description: operation.description }),
    tags: [operation.tag],
    operationId: `${operation.method}${openApiPath(operation.path).replace(/[{}]/g, '').replace(/(^|\/)([a-z])/g, (_m, _s, c: string) => c.toUpperCase())}`,
    requestParams: {
      ...(operation.params && { path: operation.params }),
      ...(operation.query && { query: operation.query }),
      ...(operation.headers && { header: operation.headers }),
    },
    ...(operation.body && { requestBody: { required: true, content: { 'application/json': { schema: operation.body } } } }),
    responses: responsesOf(operation),
    security: security ?? [],
  };
}

/** The OpenAPI 3.1 document of one service's operations. */
export function openApiDocument(info: { title: string; description: string; version?: string }, operations: readonly ApiOperation[]): OpenApiDocument {
  const paths: ZodOpenApiPathsObject = {};
  for (const operation of operations) {
    const path = (paths[openApiPath(operation.path)] ??= {});
    path[operation.method] = operationObject(operation);
  }
  const used = new Set(operations.flatMap((operation) => operation.security?.anyOf ?? []));
  return createDocument({
    openapi: '3.1.0',
    info: { title: info.title, description: info.description, version: info.version ?? '1.0.0' },
    paths,
    components: { securitySchemes: Object.fromEntries(Object.entries(securitySchemes).filter(([name]) => used.has(name as Credential))) },
  });
}


