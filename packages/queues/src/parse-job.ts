import { UnrecoverableError } from 'bullmq';
import { Compile } from 'typebox/compile';
import type { TSchema } from 'typebox';
import { JOB_SCHEMAS, type JobData, type JobName, type QueueJobs } from './jobs.js';

type Validator = ReturnType<typeof Compile<TSchema>>;
const compiled = new Map<TSchema, Validator>();
const validatorOf = (schema: TSchema): Validator => {
  let validator = compiled.get(schema);
  if (!validator) compiled.set(schema, (validator = Compile(schema)));
  return validator;
};

const schemasOf = (queue: keyof QueueJobs): Record<string, TSchema | undefined> => JOB_SCHEMAS[queue];

/** The job names a queue accepts; a worker refuses to start without a handler for each. */
export function jobNamesOf<Q extends keyof QueueJobs>(queue: Q): JobName<Q>[] {
  return Object.keys(schemasOf(queue)) as JobName<Q>[];
}

/** Whether `name` is a job name of `queue` (a job read back from Redis may carry any name). */
export function isJobName<Q extends keyof QueueJobs>(queue: Q, name: string): name is JobName<Q> {
  return Object.hasOwn(schemasOf(queue), name);
}

/**
 * Checks a job's payload against its schema. A bad payload will never succeed, so it fails with
 * UnrecoverableError (no retries) and a message naming the first bad field in declaration order.
 */
export function parseJob<Q extends keyof QueueJobs, N extends JobName<Q>>(queue: Q, name: N, data: unknown): JobData<Q, N> {
  const schema = schemasOf(queue)[name];
  if (!schema || !isJobName(queue, name)) throw new UnrecoverableError(`queue ${queue} has no job named ${JSON.stringify(name)}`);
  if (typeof data !== 'object' || data === null) throw new UnrecoverableError(`${queue}/${name}: payload must be an object`);
  const validator = validatorOf(schema);
  if (validator.Check(data)) return data as JobData<Q, N>;
  throw new UnrecoverableError(`${queue}/${name}: ${firstProblem(schema, validator, data)}`);
}

interface ObjectSchema {
  properties?: Record<string, JsonSchema>;
  required?: string[];
}
interface JsonSchema {
  type?: string;
  anyOf?: JsonSchema[];
  const?: unknown;
  enum?: unknown[];
  items?: JsonSchema;
}

function firstProblem(schema: TSchema, validator: Validator, data: unknown): string {
  const { properties = {}, required = [] } = schema as ObjectSchema;
  const errors = validator.Errors(data);
  const bad = (field: string): boolean =>
    errors.some(
      (e) =>
        e.instancePath === `/${field}` ||
        e.instancePath.startsWith(`/${field}/`) ||
        ((e.params as { requiredProperties?: string[] }).requiredProperties ?? []).includes(field),
    );
  const field = Object.keys(properties).find(bad);
  if (field === undefined) return errors[0]?.message ?? 'invalid payload';
  return `field ${field} must be ${describe(properties[field] ?? {})}${required.includes(field) ? '' : '?'}`;
}

/** What a field must be, in short: `string`, `string|null`, `number[]`, `"sweep"`. */
function describe(s: JsonSchema): string {
  if (s.anyOf) return s.anyOf.map(describe).join('|');
  if (s.const !== undefined) return JSON.stringify(s.const);
  if (s.enum) return s.enum.map((v) => JSON.stringify(v)).join('|');
  if (s.type === 'array') return `${describe(s.items ?? {})}[]`;
  if (s.type === 'integer') return 'number';
  return s.type ?? 'valid';
}
