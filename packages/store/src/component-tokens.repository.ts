import type { Models } from './models.js';
import type { SecretBox } from './secret-box.js';

export interface StoredToken {
  accessToken: string;
  expiresAt: Date;
  /** Monotonic: every save increments it; 0 means none stored yet. */
  version: number;
  refreshedAt: Date;
}

/** The component access token with compare-and-set saves, so a slow old refresh never wins. */
export class ComponentTokensRepository {
  constructor(
    private readonly models: Models,
    private readonly box: SecretBox,
  ) {}

  async get(appId: string): Promise<StoredToken | null> {
    const doc = await this.models.componentToken.findOne({ appId }).lean();
    return doc ? { accessToken: this.box.open(doc.accessToken), expiresAt: doc.expiresAt, version: doc.version, refreshedAt: doc.refreshedAt } : null;
  }

  /** Saves only if the stored version is still `expectedVersion`; returns whether it did. */
  async save(appId: string, accessToken: string, expiresAt: Date, expectedVersion: number): Promise<boolean> {
    const fields = { accessToken: this.box.seal(accessToken), expiresAt, refreshedAt: new Date() };
    if (expectedVersion === 0) {
      try {
        await this.models.componentToken.create({ appId, ...fields, version: 1 });
        return true;
      } catch (error) {
        if ((error as { code?: number }).code === 11000) return false;
        throw error;
      }
    }
    const res = await this.models.componentToken.updateOne({ appId, version: expectedVersion }, { $set: fields, $inc: { version: 1 } });
    return res.modifiedCount === 1;
  }
}
