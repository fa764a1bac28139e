export type StoreErrorCode = 'DATA_KEY_MISMATCH' | 'SECRET_CORRUPT';

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
