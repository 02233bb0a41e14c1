export * from './artillery';
export * from './drain';
export * from './report';
export * from './reset';
export * from './run-load';
export * from './scenario/metrics';
export * from './profile';
