export * from './process';
export * from './tools';
export * from './redis-server';
export * from './redis-cluster';
export * from './kafka-broker';
export * from './tcp-proxy';
export * from './postgres';
export * from './stack';
