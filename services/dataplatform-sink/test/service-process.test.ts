import { join } from 'node:path';
import { serviceLifecycleSuite } from '@ticketing/devstack/testing';

serviceLifecycleSuite('dataplatform-sink', join(__dirname, '..'), ['postgres', 'kafka']);
