import { join } from 'node:path';
import { serviceLifecycleSuite } from '@ticketing/devstack/jest';

serviceLifecycleSuite('booking', join(__dirname, '..'), ['postgres', 'redis']);
