import { join } from 'node:path';
import { serviceLifecycleSuite } from '@ticketing/devstack/testing';

serviceLifecycleSuite('payment', join(__dirname, '..'), ['postgres', 'kafka']);
