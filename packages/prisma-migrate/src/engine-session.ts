import { bindForEngine, scratchAdapterFactory } from './engine-adapter';
import { withScratchSchemas } from './scratch-schemas';
import { lastEnginePanic, loadSchemaEngineModule, type SchemaEngine } from './wasm-engine';

export interface SchemaFile {
  path: string;
  content: string;
}

/**
 * Runs `work` with a WASM schema engine whose database connections live in one throwaway schema, dropped
 * afterwards. The engine insists on a "main" connection (it only checks, or creates, its schema) and replays the
 * committed migrations on its "shadow" connection. Both point at the same scratch schema on purpose: the
 * engine names the datamodel's namespace after main and the replayed tables after shadow, and with two
 * names every diff would also "add" a schema.
 */
export async function withSchemaEngine<T>(
  databaseUrl: string,
  schemaFiles: SchemaFile[],
  work: (engine: SchemaEngine, emptyShadow: () => Promise<void>) => Promise<T>,
): Promise<T> {
  const { SchemaEngine } = loadSchemaEngineModule();
  return withScratchSchemas(databaseUrl, 1, async ([scratch], empty) => {
    const adapters = scratchAdapterFactory(databaseUrl, scratch!, scratch!);
    let engine: SchemaEngine | undefined;
    try {
      engine = await SchemaEngine.new(
        { datamodels: schemaFiles.map((f): [string, string] => [f.path, f.content]) },
        () => undefined, // the engine's tracing log; its errors carry what matters
        bindForEngine(adapters.factory),
      );
      // The WASM engine replays migrations into the shadow without resetting it first, so a second
      // call that replays them needs the schema emptied in between.
      return await work(engine, () => empty(scratch!));
    } catch (error) {
      throw explain(error, adapters.adapterErrors);
    } finally {
      engine?.free();
      await adapters.close();
    }
  });
}

/** The engine's message names its own call stack; the database's message is what a person needs. */
function explain(error: unknown, adapterErrors: string[]): Error {
  const message = error instanceof Error ? error.message : String(error);
  const fromDatabase = adapterErrors.length > 0 ? `\nDatabase said: ${adapterErrors[adapterErrors.length - 1]}` : '';
  const panic = lastEnginePanic();
  return new Error(`schema engine: ${message}${fromDatabase}${panic ? `\nEngine panic: ${panic}` : ''}`, { cause: error });
}
