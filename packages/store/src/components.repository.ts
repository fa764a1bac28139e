import type { Models } from './models.js';
import type { SecretBox } from './secret-box.js';

export interface ComponentSecrets {
  appId: string;
  appSecret: string;
  token: string;
  encodingAesKey: string;
  /** The key before the last rotation, still accepted on inbound pushes. */
  previousEncodingAesKey: string | null;
}

/** What may be shown: no secret, ever. */
export interface ComponentSummary {
  appId: string;
  createdAt: Date;
  updatedAt: Date;
  lastError: { code: string; message: string; at: Date } | null;
}

export class ComponentsRepository {
  constructor(
    private readonly models: Models,
    private readonly box: SecretBox,
  ) {}

  /** Creates or updates a component; a changed EncodingAESKey keeps the old one as previous. */
  async upsert(input: Omit<ComponentSecrets, 'previousEncodingAesKey'>): Promise<void> {
    const existing = await this.get(input.appId);
    const rotated =
      existing && existing.encodingAesKey !== input.encodingAesKey ? existing.encodingAesKey : (existing?.previousEncodingAesKey ?? null);
    await this.models.component.updateOne(
      { appId: input.appId },
      {
        $set: {
          appSecret: this.box.seal(input.appSecret),
          token: this.box.seal(input.token),
          encodingAesKey: this.box.seal(input.encodingAesKey),
          previousEncodingAesKey: rotated === null ? null : this.box.seal(rotated),
        },
      },
      { upsert: true },
    );
  }

  async get(appId: string): Promise<ComponentSecrets | null> {
    const doc = await this.models.component.findOne({ appId }).lean();
    if (!doc) return null;
    return {
      appId: doc.appId,
      appSecret: this.box.open(doc.appSecret),
      token: this.box.open(doc.token),
      encodingAesKey: this.box.open(doc.encodingAesKey),
      previousEncodingAesKey: doc.previousEncodingAesKey ? this.box.open(doc.previousEncodingAesKey) : null,
    };
  }

  async summary(appId: string): Promise<ComponentSummary | null> {
    const doc = await this.models.component.findOne({ appId }, { appId: 1, createdAt: 1, updatedAt: 1, lastError: 1 }).lean();
    return doc ? { appId: doc.appId, createdAt: doc.createdAt, updatedAt: doc.updatedAt, lastError: doc.lastError ?? null } : null;
  }

  async listAppIds(): Promise<string[]> {
    const docs = await this.models.component.find({}, { appId: 1 }).lean();
    return docs.map((d) => d.appId);
  }

  /** Records (or clears) a configuration problem WeChat reported, e.g. 40125 wrong secret. */
  async setError(appId: string, error: { code: string; message: string } | null): Promise<void> {
    await this.models.component.updateOne({ appId }, { $set: { lastError: error ? { ...error, at: new Date() } : null } });
  }
}
