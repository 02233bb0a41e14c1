export * from './audit';
export * from './format';
