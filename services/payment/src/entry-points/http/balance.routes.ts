import { ChargeRequest, type BalanceResponse } from '@ticketing/contracts';
import { callerUserId, parseInput, type InternalApiRoute } from '@ticketing/service-kit';
import type { BalanceService } from '../../domain/balance.service';

/** `GET /balance` and `POST /balance/charge`, always for the user the gateway verified. */
export function balanceRoutes(balances: BalanceService): InternalApiRoute[] {
  const read: InternalApiRoute['handle'] = async (_req, caller) => {
    const body: BalanceResponse = { balance: await balances.balance(callerUserId(caller)) };
    return { status: 200, body };
  };
  const charge: InternalApiRoute['handle'] = async (req, caller) => {
    const userId = callerUserId(caller);
    const { amount } = parseInput(ChargeRequest, req.body);
    const body: BalanceResponse = { balance: await balances.charge(userId, amount) };
    return { status: 200, body };
  };
  return [
    { method: 'GET', path: '/balance', handle: read },
    { method: 'POST', path: '/balance/charge', handle: charge },
  ];
}
