import { MAX_PATTERN_LENGTH, type RouteMatch } from '@weixin3rd/config';
import { RE2JS } from 're2js';
import type { WeChatMessage } from './service-messages.js';

/** A rule as stored (`message_routes`), in the shape the matcher needs. */
export interface RouteRule {
  id: string;
  service: string;
  priority: number;
  enabled: boolean;
  match: RouteMatch;
  createdAt: Date | string;
}

/** What a message is matched on: where it came from and its fields. */
export interface RoutableMessage {
  componentAppId: string;
  authorizerAppId: string;
  shopId: string | null;
  message: Pick<WeChatMessage, 'MsgType' | 'Event' | 'EventKey' | 'Content'>;
}

/** The decision: a rule's id and service, or the configured default (`routeId` null). */
export interface RouteDecision {
  routeId: string | null;
  service: string;
}

/**
 * Checks a content pattern: RE2 syntax (no backreferences or lookaround, so matching is linear
 * in the text: no pattern can blow up). Returns the problem, or null when it compiles.
 */
export function patternProblem(pattern: string): string | null {
  if (pattern.length > MAX_PATTERN_LENGTH) return `is longer than ${MAX_PATTERN_LENGTH} characters`;
  try {
    RE2JS.compile(pattern);
    return null;
  } catch (error) {
    return (error as Error).message;
  }
}

type Test = (m: RoutableMessage) => boolean;

function contentTest(content: NonNullable<RouteMatch['content']>): Test {
  const text = (m: RoutableMessage): string => m.message.Content ?? '';
  if (content.exact !== undefined) return (m) => text(m) === content.exact;
  if (content.prefix !== undefined) return (m) => text(m).startsWith(content.prefix ?? '');
  if (content.contains !== undefined) return (m) => text(m).includes(content.contains ?? '');
  if (content.regex !== undefined) {
    const re = RE2JS.compile(content.regex);
    return (m) => m.message.Content !== undefined && re.matcher(m.message.Content).find();
  }
  return () => true;
}

function compileRule(rule: RouteRule): Test {
  const { match } = rule;
  const tests: Test[] = [];
  const eq = (want: string | undefined, got: (m: RoutableMessage) => string | null | undefined): void => {
    if (want !== undefined) tests.push((m) => got(m) === want);
  };
  eq(match.componentAppId, (m) => m.componentAppId);
  eq(match.authorizerAppId, (m) => m.authorizerAppId);
  eq(match.shopId, (m) => m.shopId);
  eq(match.msgType, (m) => m.message.MsgType);
  eq(match.event, (m) => m.message.Event);
  eq(match.eventKey, (m) => m.message.EventKey);
  if (match.content) tests.push(contentTest(match.content));
  return (m) => tests.every((t) => t(m));
}

/**
 * The rules compiled once (per reload) into decision order: enabled only, highest priority
 * first, ties to the oldest. A rule whose pattern no longer compiles is left out, not fatal.
 */
export class RouteTable {
  private readonly rules: { id: string; service: string; test: Test }[];

  constructor(
    rules: readonly RouteRule[],
    private readonly defaultService: string | null = null,
    onBadRule: (rule: RouteRule, problem: string) => void = () => undefined,
  ) {
    const ordered = rules
      .filter((r) => r.enabled)
      .sort(
        (a, b) => b.priority - a.priority || new Date(a.createdAt).getTime() - new Date(b.createdAt).getTime() || a.id.localeCompare(b.id),
      );
    this.rules = [];
    for (const rule of ordered) {
      try {
        this.rules.push({ id: rule.id, service: rule.service, test: compileRule(rule) });
      } catch (error) {
        onBadRule(rule, (error as Error).message);
      }
    }
  }

  get size(): number {
    return this.rules.length;
  }

  /** Every service a message may be routed to (worker-messages follows each one's queue). */
  get services(): string[] {
    return [...new Set([...this.rules.map((r) => r.service), ...(this.defaultService ? [this.defaultService] : [])])];
  }

  match(message: RoutableMessage): RouteDecision | null {
    for (const rule of this.rules) if (rule.test(message)) return { routeId: rule.id, service: rule.service };
    return this.defaultService ? { routeId: null, service: this.defaultService } : null;
  }
}

/** Redis channel on which a rule change is announced: workers reload at once. */
export const routesChangedChannel = (prefix: string): string => `${prefix}:message-routes:changed`;
