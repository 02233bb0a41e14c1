import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import { runWithCorrelationId } from '../logger/request-context';

export const REQUEST_ID_HEADER = 'X-Request-Id';
/** A client-sent id is echoed only when it is short and printable, so it cannot inject into logs or headers. */
const ACCEPTABLE_REQUEST_ID = /^[\w.:-]{1,128}$/;

/** The client's `X-Request-Id` when it is acceptable, else a new one. */
export function adoptRequestId(sent: string | string[] | undefined): string {
  return typeof sent === 'string' && ACCEPTABLE_REQUEST_ID.test(sent) ? sent : randomUUID();
}

/** Adopts or creates the request id, echoes it, and runs the rest of the request inside its async context. */
export const requestId: RequestHandler = (req, res, next) => {
  const id = adoptRequestId(req.headers['x-request-id']);
  res.setHeader(REQUEST_ID_HEADER, id);
  (req as { id?: string }).id = id;
  runWithCorrelationId(id, next);
};
