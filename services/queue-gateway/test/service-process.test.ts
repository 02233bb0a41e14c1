import { join } from 'node:path';
import { serviceLifecycleSuite } from '@ticketing/devstack/jest';

serviceLifecycleSuite('queue-gateway', join(__dirname, '..'), ['postgres', 'redis', 'kafka']);
