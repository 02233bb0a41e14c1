import { join } from 'node:path';
import { serviceLifecycleSuite } from '@ticketing/devstack/jest';

// Without Redis it checks tokens in the Postgres fallback; without Postgres, in Redis; Kafka's expiries wait.
serviceLifecycleSuite('queue-gateway', join(__dirname, '..'), ['postgres', 'redis', 'kafka'], ['postgres', 'redis', 'kafka']);
