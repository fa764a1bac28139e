import { internalsOf, type Store } from './store.js';

/** What `SecretBox.seal` writes: `v1.<keyId>.…`. */
const SEALED = /^v1\.([0-9a-f]{8})\./;

export interface RotationProgress {
  /** Sealed values seen (any key). */
  scanned: number;
  /** Values re-sealed with the current key by this run. */
  resealed: number;
  /** Values that changed between our read and our write (the service wrote them meanwhile): read again. */
  raced: number;
  /**
   * Values that look sealed but name neither DATA_KEY nor DATA_KEY_PREVIOUS, or fail to open
   * (user text that happens to look alike, or data no key here can read): left as they are.
   */
  foreign: number;
}

export interface RotationReport extends RotationProgress {
  /** Values still sealed with another key after the run (0 when the rotation is complete). */
  remaining: number;
  /** Whether the database now records the current key as its own: DATA_KEY_PREVIOUS can be dropped. */
  complete: boolean;
  keyId: string;
}

export interface RotationOptions {
  onProgress?: (p: RotationProgress) => void;
  /** Stops between two values (SIGINT); a later run carries on where this one stopped. */
  signal?: AbortSignal;
}

/** Every sealed string in a document, by dotted path (nested objects and arrays included). */
function sealedPaths(value: unknown, path: string, out: [string, string][]): void {
  if (typeof value === 'string') {
    if (SEALED.test(value)) out.push([path, value]);
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => sealedPaths(v, path ? `${path}.${i}` : String(i), out));
  } else if (value && typeof value === 'object' && !(value instanceof Date) && !Buffer.isBuffer(value)) {
    for (const [k, v] of Object.entries(value)) if (k !== '_id') sealedPaths(v, path ? `${path}.${k}` : k, out);
  }
}

/**
 * Re-seals every stored secret with the current DATA_KEY (the store must be opened with the old
 * key among `previousDataKeys`). Safe while the service runs: each value is replaced only if it is
 * still the one read (compare-and-set on the field), and a value the service rewrote meanwhile is
 * already sealed with the current key. Resumable: values already sealed with the current key are
 * skipped, so a stopped run is finished by running again. Only when no value is left under an old
 * key does the database record the current key as its own; from then on DATA_KEY_PREVIOUS can go.
 */
export async function rotateDataKey(store: Store, options: RotationOptions = {}): Promise<RotationReport> {
  const { connection, models } = internalsOf(store);
  const db = connection.db;
  if (!db) throw new Error('the store is not connected');
  const current = store.box.keyId;
  const progress: RotationProgress = { scanned: 0, resealed: 0, raced: 0, foreign: 0 };
  const previous = new Set(store.box.previousKeyIds);
  const names = (await db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name).sort();

  const pass = async (rewrite: boolean): Promise<number> => {
    let stale = 0;
    for (const name of names) {
      const collection = db.collection(name);
      for await (const doc of collection.find({})) {
        const fields: [string, string][] = [];
        sealedPaths(doc, '', fields);
        for (const [path, sealed] of fields) {
          if (rewrite) progress.scanned += 1;
          const keyId = SEALED.exec(sealed)?.[1] ?? '';
          if (keyId === current) continue;
          if (!previous.has(keyId)) {
            if (rewrite) progress.foreign += 1;
            continue;
          }
          if (!rewrite) {
            stale += 1;
            continue;
          }
          if (options.signal?.aborted) return stale;
          let plaintext: string;
          try {
            plaintext = store.box.open(sealed);
          } catch {
            progress.foreign += 1;
            continue;
          }
          const resealed = store.box.seal(plaintext);
          const result = await collection.updateOne({ _id: doc._id, [path]: sealed }, { $set: { [path]: resealed } });
          if (result.modifiedCount === 1) progress.resealed += 1;
          else progress.raced += 1;
          options.onProgress?.({ ...progress });
        }
      }
    }
    return stale;
  };

  await pass(true);
  // A value that raced was rewritten by the service; a second look confirms none is left behind.
  const remaining = await pass(false);
  const complete = remaining === 0;
  if (complete) await models.meta.updateOne({ _id: 'data-key' }, { $set: { value: current } }, { upsert: true });
  return { ...progress, remaining, complete, keyId: current };
}
