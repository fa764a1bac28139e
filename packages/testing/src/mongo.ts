import mongoose, { type Connection } from 'mongoose';
import { uniqueName } from './names.js';
import { testMongoUri } from './services.js';

/** A mongoose connection to a database of its own; `drop()` deletes it and closes. */
export interface TestDatabase {
  readonly name: string;
  readonly uri: string;
  readonly connection: Connection;
  drop(): Promise<void>;
}

export async function openTestDatabase(label: string): Promise<TestDatabase> {
  const name = uniqueName(label);
  const uri = testMongoUri(name);
  const connection = await mongoose.createConnection(uri, { serverSelectionTimeoutMS: 5_000 }).asPromise();
  return {
    name,
    uri,
    connection,
    async drop() {
      await connection.dropDatabase();
      await connection.close();
    },
  };
}
