// The app's pages, reached by the address's fragment (#/topology), so the browser's and the
// keyboard's back and forward work, and a page can be linked from another (#/overview?select=ID).

export const PAGES = [
  { id: 'overview', title: 'Overview' },
  { id: 'wizard', title: 'New VM' },
  { id: 'topology', title: 'Topology' },
  { id: 'metrics', title: 'Metrics' },
  { id: 'networks', title: 'Networks' },
  { id: 'diagnostics', title: 'Diagnostics' },
  { id: 'templates', title: 'Templates' },
  { id: 'settings', title: 'Settings' },
] as const;

export type PageId = (typeof PAGES)[number]['id'];

export interface Route {
  page: PageId;
  /** The query part of the fragment: `#/overview?select=vm/…` → { select: 'vm/…' }. */
  params: Record<string, string>;
}

export function parseRoute(hash: string): Route {
  const [path = '', query = ''] = hash.replace(/^#\/?/, '').split('?', 2);
  const page = PAGES.find((candidate) => candidate.id === path)?.id ?? 'overview';
  const params: Record<string, string> = {};
  for (const [key, value] of new URLSearchParams(query)) params[key] = value;
  return { page, params };
}

export function routeHref(page: PageId, params: Record<string, string> = {}): string {
  const query = new URLSearchParams(params).toString();
  return `#/${page}${query === '' ? '' : `?${query}`}`;
}
