/*
 * The open-files limit for maxclients, as Redis's adjustOpenFilesLimit: the server needs
 * maxclients + 32 descriptors (32 kept for itself: listeners, logs, files). At start-up (and when
 * CONFIG SET raises maxclients) a lower soft limit is raised; when even that fails maxclients is
 * reduced to what the limit allows, with Redis's three warning lines.
 *
 * Node has no setrlimit: the limit is read from /proc/self/limits and set with util-linux's
 * `prlimit --pid` on this process (one spawn, only when the limit is too low). Like Redis, which
 * sets soft and hard together and steps down until the kernel accepts, it asks for
 * needed:needed first and, refused (an unprivileged process cannot raise its hard limit), for
 * hard:hard. Node itself raises its soft limit to the hard one at start, so in practice only a
 * low hard limit gets here, and the "Increased ... (it was originally set to N)" line shows the
 * limit Node left, not the one the process was started with.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

export const MIN_RESERVED_FDS = 32;

/** [soft, hard] open-files limits of this process, or null when unknown. */
export function openFilesLimit(): [number, number] | null {
  try {
    const m = /^Max open files\s+(\d+|unlimited)\s+(\d+|unlimited)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    if (m === null) return null;
    const n = (s: string): number => (s === 'unlimited' ? Number.MAX_SAFE_INTEGER : Number(s));
    return [n(m[1]), n(m[2])];
  } catch {
    return null;
  }
}

function setOpenFilesLimit(n: number): string {
  const r = spawnSync('prlimit', ['--pid', String(process.pid), `--nofile=${n}:${n}`], { encoding: 'utf8' });
  if (r.error !== undefined) return r.error.message;
  // "prlimit: failed to set the NOFILE resource limit: Operation not permitted": the strerror part.
  if (r.status !== 0) return (r.stderr || `prlimit exit ${r.status}`).trim().split(': ').at(-1) ?? '';
  return '';
}

export interface FdLimitLog {
  notice(m: string): void;
  warning(m: string): void;
}

/**
 * Makes room for `maxclients` clients: returns the maxclients the limit allows (maxclients
 * itself when it could be made room for), or 0 when the limit is too low to start at all.
 */
export function adjustOpenFilesLimit(maxclients: number, log: FdLimitLog): number {
  const needed = maxclients + MIN_RESERVED_FDS;
  const lim = openFilesLimit();
  if (lim === null) {
    log.warning('Unable to obtain the current NOFILE limit (unknown), assuming 1024 and setting the max clients configuration accordingly.');
    return 1024 - MIN_RESERVED_FDS;
  }
  const [old, hard] = lim;
  if (old >= needed) return maxclients;
  let error = setOpenFilesLimit(needed);
  let best = needed;
  if (error !== '') {
    best = old;
    if (hard > old && setOpenFilesLimit(hard) === '') best = hard;
  }
  if (best >= needed) {
    log.notice(`Increased maximum number of open files to ${needed} (it was originally set to ${old}).`);
    return maxclients;
  }
  if (best <= MIN_RESERVED_FDS) {
    log.warning(`Your current 'ulimit -n' of ${best} is not enough for the server to start. Please increase your open file limit to at least ${needed}. Exiting.`);
    return 0;
  }
  const reduced = best - MIN_RESERVED_FDS;
  if (error === '') error = 'Operation not permitted';
  log.warning(`You requested maxclients of ${maxclients} requiring at least ${needed} max file descriptors.`);
  log.warning(`Server can't set maximum open files to ${needed} because of OS error: ${error}.`);
  log.warning(`Current maximum open files is ${best}. maxclients has been reduced to ${reduced} to compensate for low ulimit. If you need higher maxclients increase 'ulimit -n'.`);
  return reduced;
}
