// App list search: an id substring (case-insensitive, as GET /v2/apps?id=) and a label query of
// comma-separated terms `k` (key present), `k=v` / `k==v` (equal), `k!=v` (absent or different),
// all AND-ed — the simple half of Marathon's label selector grammar (spec §2).

export type LabelSelector =
  | { kind: 'exists'; key: string }
  | { kind: 'equals'; key: string; value: string }
  | { kind: 'notEquals'; key: string; value: string };

export type LabelQuery = { ok: true; selectors: LabelSelector[] } | { ok: false; error: string };

export function parseLabelQuery(input: string): LabelQuery {
  const selectors: LabelSelector[] = [];
  for (const raw of input.split(',')) {
    const term = raw.trim();
    if (term === '') continue;
    const m = /^([^=!]*?)\s*(==|=|!=)\s*(.*)$/.exec(term);
    if (m) {
      const key = m[1].trim();
      const value = m[3].trim();
      if (key === '') return { ok: false, error: `missing label key in "${term}"` };
      selectors.push(m[2] === '!=' ? { kind: 'notEquals', key, value } : { kind: 'equals', key, value });
    } else if (/[=!]/.test(term)) {
      return { ok: false, error: `cannot read "${term}": use k, k=v or k!=v` };
    } else {
      selectors.push({ kind: 'exists', key: term });
    }
  }
  return { ok: true, selectors };
}

export function matchesLabels(labels: Readonly<Record<string, string>> | undefined, selectors: readonly LabelSelector[]): boolean {
  const l = labels ?? {};
  return selectors.every((s) => {
    const has = Object.prototype.hasOwnProperty.call(l, s.key);
    switch (s.kind) {
      case 'exists':
        return has;
      case 'equals':
        return has && l[s.key] === s.value;
      case 'notEquals':
        return !has || l[s.key] !== s.value;
    }
  });
}

export function matchesId(id: string, query: string): boolean {
  const q = query.trim().toLowerCase();
  return q === '' || id.toLowerCase().includes(q);
}

export interface Labelled {
  id: string;
  labels?: Record<string, string>;
}

/** Filters apps; an unreadable label query filters nothing and is reported to the caller. */
export function filterApps<T extends Labelled>(apps: readonly T[], idQuery: string, labelQuery: string): { apps: T[]; error?: string } {
  const parsed = parseLabelQuery(labelQuery);
  const selectors = parsed.ok ? parsed.selectors : [];
  const out = apps.filter((a) => matchesId(a.id, idQuery) && matchesLabels(a.labels, selectors));
  return parsed.ok ? { apps: out } : { apps: out, error: parsed.error };
}
