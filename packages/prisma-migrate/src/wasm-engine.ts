import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { SchemaEngine } from '@prisma/schema-engine-wasm';

type EngineModule = typeof import('@prisma/schema-engine-wasm');
type GlueModule = EngineModule & { __wbg_set_wasm(exports: Record<string, unknown>): void };

// The project's lib settings carry no WebAssembly typings (they live in the DOM lib); this is all we use.
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: Record<string, object>) => { exports: Record<string, unknown> };
}
const { Module, Instance } = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

let loaded: EngineModule | undefined;
let lastPanic: string | undefined;

/**
 * Prisma's schema engine compiled to WASM (@prisma/schema-engine-wasm), loaded without its entry file:
 * that one does `import * as wasm from "./x.wasm"`, which Node 20 cannot load. We compile the .wasm
 * ourselves and hand its exports to the wasm-bindgen glue (schema_engine_bg.js).
 *
 * The glue is an ES module. Node >= 20.19 could require() it, but jest (before Node 24.9) cannot, and
 * intercepts every route to Node's own require. Its only ES syntax is `export` on top-level functions
 * and classes, so we drop those keywords and evaluate it as a function body: one loading path for the
 * CLI, tsx and jest alike. A glue of another shape is refused rather than half-loaded.
 */
export function loadSchemaEngineModule(): EngineModule {
  if (loaded) return loaded;
  const gluePath = require.resolve('@prisma/schema-engine-wasm/schema_engine_bg');
  const glue = evaluateGlue(readFileSync(gluePath, 'utf8'), gluePath);
  const wasm = readFileSync(join(dirname(gluePath), 'schema_engine_bg.wasm'));
  const instance = new Instance(new Module(wasm), { './schema_engine_bg.js': withUnrefTimers(glue) });
  glue.__wbg_set_wasm(instance.exports);
  (instance.exports.__wbindgen_start as () => void)();
  // The glue reports Rust panics here; without it a panic surfaces as a bare "unreachable".
  (globalThis as { PRISMA_WASM_PANIC_REGISTRY?: object }).PRISMA_WASM_PANIC_REGISTRY ??= {
    set_message: (message: string) => {
      lastPanic = message;
    },
  };
  loaded = glue;
  return glue;
}

/** The panic message of the last engine crash, if any: the engine is unusable after one. */
export function lastEnginePanic(): string | undefined {
  return lastPanic;
}

function evaluateGlue(source: string, path: string): GlueModule {
  const names: string[] = [];
  const body = source.replace(/^export (function|class) ([\w$]+)/gm, (_match, kind: string, name: string) => {
    names.push(name);
    return `${kind} ${name}`;
  });
  if (/^\s*(import|export)\b/m.test(body) || !names.includes('SchemaEngine') || !names.includes('__wbg_set_wasm')) {
    throw new Error(`${path} is not the wasm-bindgen glue this loader understands (another @prisma/schema-engine-wasm version?)`);
  }
  // Evaluates a file of the installed package, never input from outside.
  return new Function(`"use strict";\n${body}\nreturn { ${names.join(', ')} };`)() as GlueModule;
}

/**
 * The engine never cancels its timeouts (the glue has no clearTimeout), so e.g. the 10 s advisory-lock timeout
 * of `applyMigrations` kept a finished process alive for 10 s. Unref'd, a timer still fires while the engine
 * waits on the database, but no longer holds an otherwise idle process open.
 */
function withUnrefTimers(glue: GlueModule): Record<string, unknown> {
  const imports: Record<string, unknown> = { ...glue };
  for (const name of Object.keys(imports).filter((n) => n.startsWith('__wbg_setTimeout_'))) {
    imports[name] = (callback: () => void, ms: number) => setTimeout(callback, ms >>> 0).unref();
  }
  return imports;
}

export type { SchemaEngine };
