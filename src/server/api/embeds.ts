// `embed=` query values → what an app or group answer includes, as Marathon resolves them: the
// prefixes `group.apps.`, `apps.` and `app.` are interchangeable and may be left out
// (`app.tasks`, `apps.tasks` and `tasks` mean the same), `failures` is the deprecated
// tasks + lastTaskFailure, unknown names are ignored.

export interface AppEmbeds {
  tasks: boolean;
  lastFailure: boolean;
  taskStats: boolean;
  readiness: boolean;
}

export interface GroupEmbeds extends AppEmbeds {
  groups: boolean;
  apps: boolean;
  pods: boolean;
}

const APP_PREFIXES = ['group.apps.', 'apps.', 'app.'] as const;

function withoutPrefix(value: string): string {
  const prefix = APP_PREFIXES.find((p) => value.startsWith(p));
  return prefix === undefined ? value : value.slice(prefix.length);
}

/** App embeds from `embed` values; `base` adds what the endpoint always includes. */
export function resolveAppEmbeds(values: readonly string[], base: Partial<AppEmbeds> = {}): AppEmbeds {
  const out: AppEmbeds = { tasks: false, lastFailure: false, taskStats: false, readiness: false, ...base };
  for (const raw of values) {
    for (const value of raw.split(',')) {
      switch (withoutPrefix(value.trim())) {
        case 'tasks': out.tasks = true; break;
        case 'failures': out.tasks = true; out.lastFailure = true; break;
        case 'lastTaskFailure': out.lastFailure = true; break;
        case 'taskStats': out.taskStats = true; break;
        case 'readiness': out.readiness = true; break;
        default: break; // counts and deployments are always included; unknown names are ignored
      }
    }
  }
  return out;
}

/**
 * Group embeds: `group.groups`, `group.apps`, `group.pods` select the parts (all three when no
 * `embed` is given); values starting with `group.apps.` are app embeds.
 */
export function resolveGroupEmbeds(values: readonly string[]): GroupEmbeds {
  const all = values.flatMap((v) => v.split(',')).map((v) => v.trim()).filter((v) => v !== '');
  const given = all.length === 0 ? ['group.apps', 'group.pods', 'group.groups'] : all;
  const appValues = given.filter((v) => v.startsWith('group.apps.'));
  const parts = new Set(given.filter((v) => !v.startsWith('group.apps.')));
  return {
    ...resolveAppEmbeds(appValues),
    groups: parts.has('group.groups'), apps: parts.has('group.apps'), pods: parts.has('group.pods'),
  };
}
