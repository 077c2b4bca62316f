import { useEffect, useState } from 'preact/hooks';

/**
 * Routes live in the URL's fragment (`#/trace/<id>?span=<id>`), so that the server serves one page
 * and every view has a link that can be shared or reloaded.
 */

export interface Route {
  /** The path's segments: `['trace', '4bf9…']`. */
  path: string[];
  query: URLSearchParams;
}

export function parseRoute(hash: string): Route {
  const text = hash.replace(/^#\/?/, '');
  const mark = text.indexOf('?');
  const path = (mark < 0 ? text : text.slice(0, mark)).split('/').filter(Boolean).map(decodeURIComponent);
  return {
    path: path.length === 0 ? ['traces'] : path,
    query: new URLSearchParams(mark < 0 ? '' : text.slice(mark + 1)),
  };
}

/** The fragment of a route: `href(['trace', id], { span })`. */
export function href(path: string[], query: Record<string, string | string[] | null | undefined> = {}): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    for (const item of [value ?? []].flat()) if (item !== '') params.append(key, item);
  }
  const search = params.toString();
  return `#/${path.map(encodeURIComponent).join('/')}${search === '' ? '' : `?${search}`}`;
}

export function navigate(path: string[], query: Record<string, string | string[] | null | undefined> = {}): void {
  const next = href(path, query);
  if (location.hash !== next) location.hash = next;
}

/** The current route, following the fragment as it changes. */
export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const follow = () => setRoute(parseRoute(location.hash));
    addEventListener('hashchange', follow);
    return () => removeEventListener('hashchange', follow);
  }, []);
  return route;
}
