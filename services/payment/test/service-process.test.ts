import { join } from 'node:path';
import { serviceLifecycleSuite } from '@ticketing/devstack/jest';

serviceLifecycleSuite('payment', join(__dirname, '..'), ['postgres', 'kafka']);
