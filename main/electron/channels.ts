/** IPC channel names. The sandboxed preload cannot import modules, so preload.cts repeats them; a test keeps the two equal. */
export const CHANNELS = {
  intent: 'hcp:intent',
  view: 'hcp:view',
  viewGet: 'hcp:view:get',
} as const;

export const APP_SCHEME = 'app';
export const APP_ORIGIN = 'app://hcp';
export const APP_INDEX = `${APP_ORIGIN}/index.html`;
export const APP_ERROR_PAGE = `${APP_ORIGIN}/error.html`;
