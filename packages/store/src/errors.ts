/** STORE_TIMEOUT: a query the caller bounded got no answer in time (the database hangs). */
export type StoreErrorCode = 'DATA_KEY_MISMATCH' | 'SECRET_CORRUPT' | 'STORE_TIMEOUT';

/** A storage failure with a stable code. */
export class StoreError extends Error {
  override readonly name = 'StoreError';

  constructor(
    readonly code: StoreErrorCode,
    message: string,
  ) {
    super(message);
  }
}
