import type { z } from 'zod';
import {
  ErrorCodes,
  type ErrorCode,
  type IssueTokenResponse,
  type PaymentCompletedParseResult,
  type SeatParams,
  type SeatListQuery,
  type Topic,
  SeatParams as SeatParamsSchema,
  parsePaymentCompleted,
} from '../src';

// Compile-time checks: `tsc --noEmit -p packages/contracts/tsconfig.json` fails if an inferred type drifts.
type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const assertType = <T extends true>(): T => true as T;

describe('inferred types', () => {
  it('when compiled, then ErrorCode is the union of the grouped string codes', () => {
    const code: ErrorCode = ErrorCodes.PAYMENT.ALREADY_PAID;
    // @ts-expect-error an unknown code is a compile error
    const wrong: ErrorCode = 'PAYMENT.NOPE';
    expect([code, wrong]).toHaveLength(2);
  });

  it('when compiled, then schema types are the plain shapes services work with', () => {
    assertType<Equals<IssueTokenResponse['status'], 'PRE_QUEUE' | 'WAITING' | 'ACTIVE'>>();
    assertType<Equals<SeatListQuery, { status?: 'AVAILABLE' | 'HELD' | 'RESERVED' | undefined }>>();
    assertType<Equals<SeatParams, { scheduleId: string; seatNo: number }>>();
    assertType<Equals<z.input<typeof SeatParamsSchema>, { scheduleId: string; seatNo: string }>>();
    assertType<Equals<Topic, 'payment.completed' | 'payment.completed.dlq'>>();
    expect(true).toBe(true);
  });

  it('when the parse result is narrowed on ok, then event or reason is available without casts', () => {
    const result: PaymentCompletedParseResult = parsePaymentCompleted('{}');
    const text = result.ok ? result.event.eventId : result.reason;
    expect(typeof text).toBe('string');
  });
});
