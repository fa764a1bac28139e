import type { SandboxComponent } from './types.js';

/** Where the project's ingress is reachable, from the sandbox's side. */
export interface ProjectUrls {
  /** PUBLIC_BASE_URL of the project, e.g. `http://localhost:3000`. */
  publicBaseUrl: string;
}

/**
 * A component registered as the project's push URLs expect it (CONTRACT.md ingress routes):
 * `/wechat/:componentAppId/events` and `/wechat/:componentAppId/accounts/$APPID$/messages`,
 * with the 授权发起页域名 being the project's own host.
 */
export function componentForProject(
  credentials: Pick<SandboxComponent, 'appId' | 'appSecret' | 'token' | 'encodingAesKey'>,
  urls: ProjectUrls,
): SandboxComponent {
  const base = urls.publicBaseUrl.replace(/\/+$/, '');
  return {
    ...credentials,
    authEventUrl: `${base}/wechat/${credentials.appId}/events`,
    messageUrl: `${base}/wechat/${credentials.appId}/accounts/$APPID$/messages`,
    authDomain: new URL(base).host,
    ipAllowList: null,
    ticketPushPaused: false,
  };
}
