'use strict';
// apt-get for the bootstrap, waiting (bounded) when another apt-get or dpkg holds one of apt's
// locks instead of failing at once. dpkg's frontend lock is waited for by apt itself
// (-o DPkg::Lock::Timeout); the package-lists lock (apt-get update) and the archives lock are not,
// so a run that fails on "Could not get lock <file>" is retried until the deadline, saying which
// lock and which process it waits for. Plain CommonJS, no dependencies (runs before npm ci).

const LOCK_RE = /Could not get lock (\S+?)\.? It is held by process (\d+)(?: \(([^)]*)\))?|Could not get lock (\S+?)[.\s]|Unable to lock (?:the )?(?:directory|administration directory) ?\(?([^)\s]*)\)?/;

/** The lock a failed apt-get reported ({file, pid?, holder?}), or null when it failed otherwise. */
function lockHeld(stderr) {
  const m = LOCK_RE.exec(stderr || '');
  if (!m) return null;
  if (m[1]) return { file: m[1], pid: Number(m[2]), holder: m[3] || '' };
  return { file: m[4] || m[5] || 'an apt lock' };
}

function describeLock(l) {
  return `${l.file}${l.pid ? ` (held by process ${l.pid}${l.holder ? `, ${l.holder}` : ''})` : ''}`;
}

/**
 * Runs `apt-get <args>` through `deps.spawn(cmd, args) → {status, stdout, stderr}` and retries while
 * it fails on a held lock, until `timeoutS` has passed. Returns the last result.
 * deps: { spawn, now(): ms, sleep(ms), say(line) }.
 */
function aptGet(args, timeoutS, deps) {
  const full = ['-o', `DPkg::Lock::Timeout=${timeoutS}`, ...args];
  const deadline = deps.now() + timeoutS * 1000;
  let announced = '';
  for (;;) {
    const r = deps.spawn('apt-get', full);
    if (r.status === 0) return r;
    const lock = lockHeld(r.stderr);
    if (!lock || deps.now() >= deadline) {
      if (lock) deps.say(`ensure: gave up after ${timeoutS} s waiting for the apt lock ${describeLock(lock)}; when that apt-get/dpkg has finished, run this again (or raise MVN_APT_LOCK_TIMEOUT)`);
      return r;
    }
    const what = describeLock(lock);
    if (what !== announced) {
      deps.say(`ensure: waiting up to ${Math.ceil((deadline - deps.now()) / 1000)} s for the apt lock ${what}: another apt-get or dpkg is running`);
      announced = what;
    }
    deps.sleep(Math.min(2000, Math.max(0, deadline - deps.now())));
  }
}

module.exports = { aptGet, lockHeld };
