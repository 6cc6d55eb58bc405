// Small pure formatting and URL helpers shared by the views.

/** API path of an app, relative to the page at /ui/: `/web/nginx` → `../v2/apps/web/nginx`. */
export function appApiPath(appId: string, suffix = ''): string {
  const segments = appId.split('/').filter((s) => s !== '').map(encodeURIComponent);
  return `../v2/apps/${segments.join('/')}${suffix}`;
}

/** Hash route of an app page, encoded like the stock UI: `#/apps/%2Fweb%2Fnginx`. */
export function appRoute(appId: string): string {
  return `#/apps/${encodeURIComponent(appId)}`;
}

export type Route =
  | { view: 'apps' }
  | { view: 'app'; appId: string }
  | { view: 'create' }
  | { view: 'networks' }
  | { view: 'notFound'; hash: string };

export function parseRoute(hash: string): Route {
  const h = hash.replace(/^#/, '');
  if (h === '' || h === '/' || h === '/apps') return { view: 'apps' };
  if (h === '/create') return { view: 'create' };
  if (h === '/networks') return { view: 'networks' };
  const m = /^\/apps\/(.+)$/.exec(h);
  if (m) {
    let id: string;
    try {
      id = decodeURIComponent(m[1]);
    } catch {
      return { view: 'notFound', hash };
    }
    return { view: 'app', appId: id.startsWith('/') ? id : `/${id}` };
  }
  return { view: 'notFound', hash };
}

/** `2024-05-01T10:00:02.500Z` → `2024-05-01 10:00:02 UTC`; empty for missing values. */
export function formatTime(iso: string | undefined | null): string {
  if (!iso) return '';
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})/.exec(iso);
  return m ? `${m[1]} ${m[2]} UTC` : iso;
}

export function formatNumber(n: number | undefined): string {
  if (n === undefined || !Number.isFinite(n)) return '';
  return String(Number(n.toPrecision(6)));
}

/** Address with its prefix, as the tasks table shows it. */
export function formatAddress(ip: string | undefined, prefix: number | undefined): string {
  if (!ip) return '';
  if (ip.includes('/') || prefix === undefined) return ip;
  return `${ip}/${prefix}`;
}
