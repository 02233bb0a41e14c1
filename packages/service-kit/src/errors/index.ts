/*
 * `@ticketing/service-kit/errors`: what domain code may use from the kit (its errors and the request's
 * correlation id), without the barrel's express, ioredis, kafkajs and Prisma.
 */
export { AppError, wrongQueue } from './app-error';
export { currentCorrelationId } from '../logger/request-context';
