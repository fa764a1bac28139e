import type { XmlNode } from '@weixin3rd/wechat-xml';

/**
 * What makes a delivery the same message (wechat-protocol.md §5): MsgId for messages,
 * FromUserName + CreateTime + Event for events; scoped by component and account.
 */
export function dedupeKey(componentAppId: string, authorizerAppId: string, fields: XmlNode): string {
  const text = (name: string): string => (typeof fields[name] === 'string' ? (fields[name] as string) : '');
  const msgId = text('MsgId');
  if (msgId) return `${componentAppId}/${authorizerAppId}/msg/${msgId}`;
  return `${componentAppId}/${authorizerAppId}/evt/${text('FromUserName')}/${text('CreateTime')}/${text('Event')}`;
}
