/** The origin the renderer is served from inside Electron (a privileged custom scheme). */
export const APP_ORIGIN = 'app://nova';

/**
 * Whether an IPC message comes from Nova's own page: the top frame of our window, loaded from our
 * origin. A frame inside it, or a page navigated elsewhere, gets nothing.
 */
export function isTrustedSender(frame: { url: string; isTopFrame: boolean } | null | undefined): boolean {
  if (!frame?.isTopFrame) return false;
  let url: URL;
  try {
    url = new URL(frame.url);
  } catch {
    return false;
  }
  return `${url.protocol}//${url.host}` === APP_ORIGIN;
}
