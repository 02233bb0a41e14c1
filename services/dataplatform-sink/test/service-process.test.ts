import { join } from 'node:path';
import { serviceLifecycleSuite } from '@ticketing/devstack/jest';

serviceLifecycleSuite('dataplatform-sink', join(__dirname, '..'), ['postgres', 'kafka']);
