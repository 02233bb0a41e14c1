/**
 * @ticketing/contracts: the one source of truth for what crosses a process boundary in the ticketing
 * platform (HTTP bodies, params, headers, error codes, Kafka topics and events). Every schema is a zod
 * schema validated at runtime, with a type of the same name inferred from it.
 */
export * from './errors';
export * from './primitives';
export * from './validation';
export * from './http/headers';
export * from './http/queue';
export * from './http/booking';
export * from './http/payment';
export * from './http/health';
export * from './http/sink';
export * from './http/ops';
export * from './events/topics';
export * from './events/payment-completed';
export * from './http/internal';
export * from './openapi/document';
export * from './openapi/operations';
