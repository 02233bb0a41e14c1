// Jest 30 refuses to load a module for the first time between tests. Prisma's generated client loads
// its query compiler lazily at the first query, which for a background consumer (a Kafka handler
// storing a message) can happen between tests: load it here, once per test file, inside Jest's scope.
for (const runtime of [
  '@prisma/client/runtime/query_compiler_fast_bg.postgresql.js',
  '@prisma/client/runtime/query_compiler_fast_bg.postgresql.wasm-base64.js',
]) {
  require(runtime);
}
