import type { Models } from './models.js';
import type { SecretBox } from './secret-box.js';

export interface StoredToken {
  accessToken: string;
  expiresAt: Date;
  /** Monotonic: every save adds a version; 0 means none stored yet. */
  version: number;
  refreshedAt: Date;
}

/** The component access token, versioned; saving is a compare-and-set on the version. */
export class ComponentTokensRepository {
  constructor(
    private readonly models: Models,
    private readonly box: SecretBox,
  ) {}

  async get(appId: string): Promise<StoredToken | null> {
    const doc = await this.models.componentToken.findOne({ appId }).sort({ version: -1 }).lean();
    return doc
      ? { accessToken: this.box.open(doc.accessToken), expiresAt: doc.expiresAt, version: doc.version, refreshedAt: doc.refreshedAt }
      : null;
  }

  /**
   * Saves version `expectedVersion + 1`. The unique (appId, version) index refuses a second
   * writer of the same version, so a slow, older refresh can never overwrite a newer token.
   */
  async save(appId: string, accessToken: string, expiresAt: Date, expectedVersion: number): Promise<boolean> {
    try {
      await this.models.componentToken.create({
        appId,
        version: expectedVersion + 1,
        accessToken: this.box.seal(accessToken),
        expiresAt,
        refreshedAt: new Date(),
      });
    } catch (error) {
      if ((error as { code?: number }).code === 11000) return false;
      throw error;
    }
    // Older versions are history only; keep a couple for inspection.
    await this.models.componentToken.deleteMany({ appId, version: { $lt: expectedVersion - 1 } });
    return true;
  }
}
