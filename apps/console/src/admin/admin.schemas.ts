import { JOB_ID_PATTERN, SERVICE_QUEUE_PATTERN } from '@weixin3rd/queues';
import { Type } from 'typebox';
import { RouteParams } from '../api/message-route.schemas.js';
import { AppId, AuthorizerParams, ComponentParams, ShopId } from '../api/schemas.js';

/**
 * What the /admin forms post to: their path parameters and the rebind form's fields, the same
 * shapes /api/v1 validates. No additionalProperties: false, which would strip the forms' `_csrf`.
 */

export { AuthorizerParams, ComponentParams, RouteParams };

/** The account actions' forms carry the account's component (empty: the only one). */
const FormComponent = Type.Optional(Type.Union([AppId, Type.Literal('')]));

export const AuthorizerActionBody = Type.Object({ component: FormComponent });
export const RebindBody = Type.Object({ component: FormComponent, shopId: ShopId });

/**
 * A failed job's queue and id: a queue the console shows (its own, the subscribers' copies named
 * at start, or a `messages.<service>` queue, which appear while it runs) and a job id's shape.
 */
export const jobParams = (queues: readonly string[]) =>
  Type.Object({
    queue: Type.Union([Type.Enum([...queues]), Type.String({ pattern: SERVICE_QUEUE_PATTERN })]),
    id: Type.String({ pattern: JOB_ID_PATTERN }),
  });
