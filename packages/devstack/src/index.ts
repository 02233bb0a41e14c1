export * from './process';
export * from './tools';
export * from './redis-server';
export * from './kafka-broker';
export * from './tcp-proxy';
export * from './postgres';
export * from './stack';
