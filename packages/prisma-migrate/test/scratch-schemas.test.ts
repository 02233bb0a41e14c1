import { withScratchSchemas } from '../src/scratch-schemas';
import { databaseUrl, ensureDatabase, schemaExists, sql } from './db';

describe('withScratchSchemas', () => {
  beforeAll(ensureDatabase);

  it('withScratchSchemas — the work throws half-way — still drops every schema it made', async () => {
    // Arrange
    let made: string[] = [];

    // Act
    const running = withScratchSchemas(databaseUrl, 2, async (schemas) => {
      made = schemas;
      await sql(`CREATE TABLE "${schemas[0]}".t (id int)`);
      throw new Error('boom');
    });

    // Assert
    await expect(running).rejects.toThrow('boom');
    expect(made).toHaveLength(2);
    for (const schema of made) expect(await schemaExists(schema)).toBe(false);
  });
});
