/* Kafka for every service: the client and its readiness, correlation ids in headers, the supervised consumer. */
export * from './client';
export * from './correlation';
export * from './supervised-consumer';
