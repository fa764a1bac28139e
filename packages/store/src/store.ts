import mongoose, { type Connection } from 'mongoose';
import { AuditLogRepository } from './audit-log.repository.js';
import { AuthCodesRepository, StateNoncesRepository } from './auth-codes.repository.js';
import { AuthorizerFactsLoader } from './authorizer-facts.js';
import { AuthorizersRepository } from './authorizers.repository.js';
import { ComponentTokensRepository } from './component-tokens.repository.js';
import { ComponentsRepository } from './components.repository.js';
import { MessageRoutesRepository } from './message-routes.repository.js';
import { MessagesRepository } from './messages.repository.js';
import { StoreError } from './errors.js';
import { registerModels, type Models } from './models.js';
import { SecretBox } from './secret-box.js';
import { TicketsRepository } from './tickets.repository.js';

/**
 * What the rest of the system sees of the database: repositories, the key box and close().
 * The mongoose connection and models stay inside this package (see `internalsOf`).
 */
export interface Store {
  box: SecretBox;
  components: ComponentsRepository;
  tickets: TicketsRepository;
  componentTokens: ComponentTokensRepository;
  authorizers: AuthorizersRepository;
  /** The message path's batched account lookups (held, shop, kind). */
  authorizerFacts: AuthorizerFactsLoader;
  authCodes: AuthCodesRepository;
  stateNonces: StateNoncesRepository;
  messageRoutes: MessageRoutesRepository;
  messages: MessagesRepository;
  audit: AuditLogRepository;
  close(): Promise<void>;
}

interface StoreInternals {
  connection: Connection;
  models: Models;
}

const internals = new WeakMap<Store, StoreInternals>();

/** The connection and models behind a store, for code of this package only (not exported from index.ts). */
export function internalsOf(store: Store): StoreInternals {
  const found = internals.get(store);
  if (!found) throw new Error('not a store opened by connectStore');
  return found;
}

export interface ConnectOptions {
  dataKey: Buffer;
  /** Keys used before a rotation, still accepted for reading. */
  previousDataKeys?: Buffer[];
  serverSelectionTimeoutMS?: number;
  /**
   * Called for every command sent to the database (the driver's command monitoring), with its name
   * and, for a command on a collection, the collection: what a process costs the store per unit
   * of work, for metrics and benchmarks.
   */
  onCommand?: (command: string, collection: string) => void;
}

/** Commands on a collection name it as the command's value (`{ update: 'messages', … }`). */
const collectionOf = (command: Record<string, unknown>, name: string): string => {
  const value = command[name];
  return typeof value === 'string' ? value : '';
};

/**
 * Connects, builds indexes, and checks that DATA_KEY is the key this database was sealed with:
 * a wrong key stops the process before anything is read or overwritten.
 */
export async function connectStore(uri: string, options: ConnectOptions): Promise<Store> {
  const connection = await mongoose
    .createConnection(uri, {
      serverSelectionTimeoutMS: options.serverSelectionTimeoutMS ?? 10_000,
      ...(options.onCommand ? { monitorCommands: true } : {}),
    })
    .asPromise();
  const onCommand = options.onCommand;
  if (onCommand)
    connection.getClient().on('commandStarted', (event) => onCommand(event.commandName, collectionOf(event.command, event.commandName)));
  try {
    const models = registerModels(connection);
    await Promise.all(Object.values(models).map((m: Models[keyof Models]) => m.syncIndexes()));
    const box = new SecretBox(options.dataKey, options.previousDataKeys);
    await assertDataKey(models, box);
    const store: Store = {
      box,
      components: new ComponentsRepository(models, box),
      tickets: new TicketsRepository(models, box),
      componentTokens: new ComponentTokensRepository(models, box),
      authorizers: new AuthorizersRepository(models, box),
      authorizerFacts: new AuthorizerFactsLoader(models),
      authCodes: new AuthCodesRepository(models, box),
      stateNonces: new StateNoncesRepository(models),
      messageRoutes: new MessageRoutesRepository(models),
      messages: new MessagesRepository(models),
      audit: new AuditLogRepository(models),
      close: () => connection.close(),
    };
    internals.set(store, { connection, models });
    return store;
  } catch (error) {
    await connection.close();
    throw error;
  }
}

async function assertDataKey(models: Models, box: SecretBox): Promise<void> {
  try {
    await models.meta.create({ _id: 'data-key', value: box.keyId });
    return;
  } catch (error) {
    if ((error as { code?: number }).code !== 11000) throw error;
  }
  const stored = await models.meta.findById('data-key').lean();
  // During a rotation the database still records the old key: DATA_KEY_PREVIOUS may name it.
  if (stored && stored.value !== box.keyId && !box.previousKeyIds.includes(stored.value ?? '')) {
    throw new StoreError(
      'DATA_KEY_MISMATCH',
      `DATA_KEY is not the key this database was written with (stored key id ${stored.value}, configured ${box.keyId}${
        box.previousKeyIds.length > 0 ? `, previous ${box.previousKeyIds.join(', ')}` : ''
      }); nothing was changed`,
    );
  }
}
