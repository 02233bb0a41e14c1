import { join } from 'node:path';
import { serviceLifecycleSuite } from '@ticketing/devstack/testing';

serviceLifecycleSuite('booking', join(__dirname, '..'), ['postgres', 'redis']);
