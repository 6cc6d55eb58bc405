// Marathon's instance and task id forms: `<app path, / → _>.instance-<uuid>._app.<n>` (spec §5.5).

/** `/web/nginx` → `web_nginx` */
export function appSafePath(appId: string): string {
  return appId.replace(/^\/+/, '').replace(/\//g, '_');
}

export function instanceIdFor(appId: string, uuid: string): string {
  return `${appSafePath(appId)}.instance-${uuid}`;
}

export function taskIdFor(instanceId: string, incarnation: number): string {
  return `${instanceId}._app.${incarnation}`;
}

export interface ParsedTaskId { instanceId: string; incarnation: number; safePath: string }

const TASK_ID = /^(.+)\.instance-([^.]+)\._app\.(\d+)$/;

/** Parses a task id of ours; null for anything else (e.g. tasks of another framework). */
export function parseTaskId(taskId: string): ParsedTaskId | null {
  const m = TASK_ID.exec(taskId);
  if (m === null) return null;
  return { instanceId: `${m[1]}.instance-${m[2]}`, incarnation: Number(m[3]), safePath: m[1] ?? '' };
}

/** TaskInfo.name: Marathon uses the app path reversed and dot-joined (`/web/nginx` → `nginx.web`). */
export function taskNameFor(appId: string): string {
  return appId.split('/').filter((s) => s !== '').reverse().join('.');
}
