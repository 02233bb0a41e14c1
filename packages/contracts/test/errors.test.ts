import { ALL_ERROR_CODES, ErrorBody, ErrorCodeSchema, ErrorCodes, ErrorHttpStatus, isErrorCode } from '../src';

describe('ErrorCodes', () => {
  it('when listing every code, then each value spells its own AREA.NAME path', () => {
    for (const [area, group] of Object.entries(ErrorCodes)) {
      for (const [name, code] of Object.entries(group)) expect(code).toBe(`${area}.${name}`);
    }
  });

  it('when counting codes, then the flat list has no duplicates and covers every group entry', () => {
    const nested = Object.values(ErrorCodes).flatMap((group) => Object.values(group));
    expect(new Set(ALL_ERROR_CODES).size).toBe(ALL_ERROR_CODES.length);
    expect([...ALL_ERROR_CODES].sort()).toEqual([...nested].sort());
  });

  it.each([
    'VALIDATION.INVALID_BODY', 'VALIDATION.MALFORMED_JSON', 'VALIDATION.INVALID_PARAMS', 'VALIDATION.INVALID_QUERY',
    'VALIDATION.INVALID_HEADER', 'VALIDATION.PAYLOAD_TOO_LARGE', 'VALIDATION.UNSUPPORTED_MEDIA_TYPE',
    'VALIDATION.MALFORMED_REQUEST', 'VALIDATION.HEADERS_TOO_LARGE', 'VALIDATION.REQUEST_TIMEOUT',
    'QUEUE.TOKEN_INVALID', 'QUEUE.TOKEN_NOT_ACTIVE', 'QUEUE.UNAVAILABLE', 'QUEUE.RATE_LIMITED',
    'BOOKING.CONCERT_NOT_FOUND', 'BOOKING.SCHEDULE_NOT_FOUND', 'BOOKING.SEAT_NOT_FOUND', 'BOOKING.SEAT_UNAVAILABLE',
    'BOOKING.RESERVATION_NOT_FOUND', 'BOOKING.RESERVATION_EXPIRED', 'PAYMENT.INSUFFICIENT_BALANCE', 'PAYMENT.ALREADY_PAID',
    'PAYMENT.CONCURRENT_UPDATE', 'PAYMENT.IDEMPOTENCY_KEY_REUSED', 'AUTH.INTERNAL_CREDENTIAL_MISSING',
    'AUTH.TOKEN_INVALID', 'AUTH.USER_MISMATCH', 'COMMON.NOT_FOUND', 'COMMON.INTERNAL', 'COMMON.UNAVAILABLE', 'COMMON.METHOD_NOT_ALLOWED',
  ])('when the brief requires %s, then it is a known code', (code) => {
    expect(isErrorCode(code)).toBe(true);
  });
});

describe('ErrorHttpStatus', () => {
  it('when looking up every code, then each has a 4xx or 5xx status', () => {
    for (const code of ALL_ERROR_CODES) {
      expect(ErrorHttpStatus[code]).toBeGreaterThanOrEqual(400);
      expect(ErrorHttpStatus[code]).toBeLessThan(600);
    }
    expect(Object.keys(ErrorHttpStatus).sort()).toEqual([...ALL_ERROR_CODES].sort());
  });

  it.each([
    [ErrorCodes.VALIDATION.INVALID_BODY, 400],
    [ErrorCodes.VALIDATION.MALFORMED_JSON, 400],
    [ErrorCodes.VALIDATION.PAYLOAD_TOO_LARGE, 413],
    [ErrorCodes.VALIDATION.UNSUPPORTED_MEDIA_TYPE, 415],
    [ErrorCodes.VALIDATION.MALFORMED_REQUEST, 400],
    [ErrorCodes.VALIDATION.HEADERS_TOO_LARGE, 431],
    [ErrorCodes.VALIDATION.REQUEST_TIMEOUT, 408],
    [ErrorCodes.QUEUE.TOKEN_INVALID, 401],
    [ErrorCodes.QUEUE.TOKEN_NOT_ACTIVE, 403],
    [ErrorCodes.QUEUE.RATE_LIMITED, 429],
    [ErrorCodes.QUEUE.UNAVAILABLE, 503],
    [ErrorCodes.BOOKING.SEAT_UNAVAILABLE, 409],
    [ErrorCodes.BOOKING.RESERVATION_NOT_FOUND, 404],
    [ErrorCodes.BOOKING.RESERVATION_EXPIRED, 409],
    [ErrorCodes.PAYMENT.INSUFFICIENT_BALANCE, 409],
    [ErrorCodes.PAYMENT.ALREADY_PAID, 409],
    [ErrorCodes.AUTH.INTERNAL_CREDENTIAL_MISSING, 401],
    [ErrorCodes.AUTH.TOKEN_INVALID, 401],
    [ErrorCodes.AUTH.USER_MISMATCH, 403],
    [ErrorCodes.COMMON.NOT_FOUND, 404],
    [ErrorCodes.COMMON.METHOD_NOT_ALLOWED, 405],
    [ErrorCodes.COMMON.INTERNAL, 500],
    [ErrorCodes.COMMON.UNAVAILABLE, 503],
  ] as const)('when the code is %s, then the status is %i', (code, status) => {
    expect(ErrorHttpStatus[code]).toBe(status);
  });
});

describe('isErrorCode', () => {
  it.each([['VALIDATION.NOPE'], ['validation.invalid_body'], ['toString'], ['__proto__'], [''], [42], [null], [undefined]])(
    'when given %p, then it is not a known code',
    (value) => {
      expect(isErrorCode(value)).toBe(false);
    },
  );
});

describe('ErrorBody', () => {
  const valid = { code: 'BOOKING.SEAT_UNAVAILABLE', message: 'Seat 3 is not available', correlationId: 'req-1' };

  it('when the body has code, message and correlationId, then it parses', () => {
    expect(ErrorBody.parse(valid)).toEqual(valid);
  });

  it('when correlationId is empty (error before the request id was known), then it still parses', () => {
    expect(ErrorBody.safeParse({ ...valid, correlationId: '' }).success).toBe(true);
  });

  it.each([
    ['an unknown code', { ...valid, code: 'BOOKING.NOPE' }],
    ['an empty message', { ...valid, message: '' }],
    ['a missing correlationId', { code: valid.code, message: valid.message }],
    ['a stack field', { ...valid, stack: 'Error: at x' }],
  ])('when the body has %s, then it is rejected', (_label, body) => {
    expect(ErrorBody.safeParse(body).success).toBe(false);
  });

  it('when parsing a code with ErrorCodeSchema, then it is typed as ErrorCode', () => {
    expect(ErrorCodeSchema.parse('COMMON.INTERNAL')).toBe(ErrorCodes.COMMON.INTERNAL);
  });
});
