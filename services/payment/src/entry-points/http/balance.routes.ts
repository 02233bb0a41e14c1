import express, { type Router } from 'express';
import { ChargeRequest, type BalanceResponse } from '@ticketing/contracts';
import { callerUserId, parseInput } from '@ticketing/service-kit';
import type { BalanceService } from '../../domain/balance.service';

/** `GET /balance` and `POST /balance/charge`, always for the user the gateway verified. */
export function balanceRoutes(balances: BalanceService): Router {
  const router = express.Router();

  router.get('/balance', async (_req, res) => {
    const body: BalanceResponse = { balance: await balances.balance(callerUserId(res)) };
    res.json(body);
  });

  router.post('/balance/charge', async (req, res) => {
    const userId = callerUserId(res);
    const { amount } = parseInput(ChargeRequest, req.body);
    const body: BalanceResponse = { balance: await balances.charge(userId, amount) };
    res.json(body);
  });

  return router;
}
