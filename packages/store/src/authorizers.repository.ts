import type { AuthorizerDoc, Models } from './models.js';

/** Authorized accounts of each component (the fields the push path and the console need). */
export class AuthorizersRepository {
  constructor(private readonly models: Models) {}

  async find(componentAppId: string, appId: string): Promise<AuthorizerDoc | null> {
    return this.models.authorizer.findOne({ componentAppId, appId }).lean();
  }

  async setStatus(componentAppId: string, appId: string, status: AuthorizerDoc['status'], fields: Partial<Pick<AuthorizerDoc, 'userName' | 'shopId'>> = {}): Promise<void> {
    await this.models.authorizer.updateOne({ componentAppId, appId }, { $set: { status, ...fields } }, { upsert: true });
  }
}
