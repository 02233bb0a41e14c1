import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import { runWithCorrelationId } from '../logger/request-context';

export const REQUEST_ID_HEADER = 'X-Request-Id';
/** A client-sent id is echoed only when it is short and printable, so it cannot inject into logs or headers. */
const ACCEPTABLE_REQUEST_ID = /^[\w.:-]{1,128}$/;

/** Adopts or creates the request id, echoes it, and runs the rest of the request inside its async context. */
export const requestId: RequestHandler = (req, res, next) => {
  const sent = req.get(REQUEST_ID_HEADER);
  const id = sent && ACCEPTABLE_REQUEST_ID.test(sent) ? sent : randomUUID();
  res.setHeader(REQUEST_ID_HEADER, id);
  (req as { id?: string }).id = id;
  runWithCorrelationId(id, next);
};
