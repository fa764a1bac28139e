import { Types } from 'mongoose';
import type { MessageRouteDoc } from './message-models.js';
import type { Models } from './models.js';

/** A routing rule as the API and the workers see it. */
export type MessageRoute = MessageRouteDoc & { id: string };

export type MessageRouteInput = Pick<MessageRoute, 'service' | 'priority' | 'enabled' | 'match'>;

type Lean = MessageRouteDoc & { _id: Types.ObjectId };

const toRoute = (d: Lean): MessageRoute => ({
  id: d._id.toHexString(),
  service: d.service,
  priority: d.priority,
  enabled: d.enabled,
  match: d.match ?? {},
  createdAt: d.createdAt,
  updatedAt: d.updatedAt,
});

/** `message_routes`: rules as data, edited through the console, read whole by worker-messages. */
export class MessageRoutesRepository {
  constructor(private readonly models: Models) {}

  /** Every rule in decision order: highest priority first, then the oldest. */
  async list(): Promise<MessageRoute[]> {
    const docs = await this.models.messageRoute.find().sort({ priority: -1, createdAt: 1, _id: 1 }).lean<Lean[]>();
    return docs.map(toRoute);
  }

  async get(id: string): Promise<MessageRoute | null> {
    if (!Types.ObjectId.isValid(id)) return null;
    const doc = await this.models.messageRoute.findById(id).lean<Lean>();
    return doc ? toRoute(doc) : null;
  }

  async create(input: MessageRouteInput): Promise<MessageRoute> {
    const doc = await this.models.messageRoute.create({ ...input });
    return toRoute(doc.toObject<Lean>());
  }

  /** Replaces a rule's fields (PUT); null when there is no such rule. */
  async replace(id: string, input: MessageRouteInput): Promise<MessageRoute | null> {
    if (!Types.ObjectId.isValid(id)) return null;
    const res = await this.models.messageRoute.updateOne(
      { _id: id },
      { $set: { service: input.service, priority: input.priority, enabled: input.enabled, match: input.match } },
    );
    return res.matchedCount === 1 ? this.get(id) : null;
  }

  async delete(id: string): Promise<boolean> {
    if (!Types.ObjectId.isValid(id)) return false;
    return (await this.models.messageRoute.deleteOne({ _id: id })).deletedCount === 1;
  }
}
