/**
 * Links to the same object in the Studio UI.
 *
 * Studio's UI lives on `https://<instance>.<region>.app.clickzetta.com` next to the API host
 * `https://<region>.api.clickzetta.com`. The embedded sandbox serves its own small UI pages on the
 * API origin, so a loopback base URL links there.
 */

export interface StudioLinkContext {
  baseUrl: string;
  instance: string;
  workspace: string;
}

function isLoopback(url: URL): boolean {
  return url.hostname === '127.0.0.1' || url.hostname === 'localhost' || url.hostname === '[::1]';
}

/** The UI origin for an API base URL. */
export function studioUiOrigin(ctx: StudioLinkContext): string {
  const url = new URL(ctx.baseUrl);
  if (isLoopback(url)) return url.origin;
  let host = url.host;
  if (host.endsWith('/api')) host = host.slice(0, -4);
  host = host.includes('-api.') ? host.replace('-api.', '-app.') : host.replace('api.', 'app.');
  return `https://${ctx.instance}.${host}`;
}

export function runLink(ctx: StudioLinkContext, runId: number, tab?: 'executeLog'): string {
  return `${studioUiOrigin(ctx)}/ops/taskInst/${runId}${tab ? `?tab=${tab}` : ''}`;
}

export function taskLink(ctx: StudioLinkContext, taskId: number): string {
  return `${studioUiOrigin(ctx)}/ide?workspace_name=${encodeURIComponent(ctx.workspace)}&fileId=${taskId}`;
}
