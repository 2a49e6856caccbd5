/*
 * What the rest of the server reads of the AOF state: INFO persistence's aof_* fields, the
 * -MISCONF refusal after a failed write, whether a rewrite runs (BGSAVE refuses to start then).
 */
import type { Server } from '../server/server.ts';
import { AofState, peekAof } from './aof.ts';

/** strerror(3) texts for the errors a write or fsync can give (Redis prints those). */
const STRERROR: Record<string, string> = {
  ENOSPC: 'No space left on device',
  EIO: 'Input/output error',
  EBADF: 'Bad file descriptor',
  EDQUOT: 'Disk quota exceeded',
  EROFS: 'Read-only file system',
  EFBIG: 'File too large',
  EPERM: 'Operation not permitted',
  EACCES: 'Permission denied',
  EINVAL: 'Invalid argument',
};

export function strerror(e: NodeJS.ErrnoException): string {
  return (e.code !== undefined ? STRERROR[e.code] : undefined) ?? e.message;
}

/**
 * The -MISCONF reply write commands (and PING) get while the AOF cannot be written (7.0's
 * writeCommandsDeniedByDiskError, DISK_ERROR_TYPE_AOF), or null.
 */
export function aofWriteError(srv: Server): string | null {
  const st = peekAof(srv);
  if (st === undefined || st.status === 'off' || st.lastWriteStatus === 'ok') return null;
  return `MISCONF Errors writing to the AOF file: ${st.lastWriteError}`;
}

/** Whether an AOF rewrite is under way (BGSAVE refuses to start then). */
export function aofRewriteInProgress(srv: Server): boolean {
  return peekAof(srv)?.rewrite != null;
}

/** INFO persistence: the aof_* fields of Redis 7.0 (and the extra ones while AOF is on). */
export function aofInfoFields(srv: Server): [string, string | number][] {
  const st = peekAof(srv) ?? new AofState(srv);
  const rw = st.rewrite;
  const f: [string, string | number][] = [
    ['aof_enabled', st.status !== 'off' ? 1 : 0],
    ['aof_rewrite_in_progress', rw !== null ? 1 : 0],
    ['aof_rewrite_scheduled', st.rewriteScheduled ? 1 : 0],
    ['aof_last_rewrite_time_sec', st.lastRewriteTimeSec],
    ['aof_current_rewrite_time_sec', rw !== null ? Math.floor((Date.now() - rw.startMs) / 1000) : -1],
    ['aof_last_bgrewrite_status', st.lastBgrewriteStatus],
    ['aof_rewrites', st.rewrites],
    ['aof_rewrites_consecutive_failures', st.consecutiveFailures],
    ['aof_last_write_status', st.lastWriteStatus],
    ['aof_last_cow_size', 0],
    ['module_fork_in_progress', 0],
    ['module_fork_last_cow_size', 0],
  ];
  if (st.status !== 'off') {
    f.push(
      ['aof_current_size', st.currentSize],
      ['aof_base_size', st.baseSize],
      ['aof_pending_rewrite', st.rewriteScheduled ? 1 : 0],
      ['aof_buffer_length', st.pending.len],
      ['aof_pending_bio_fsync', st.fsyncInFlight ? 1 : 0],
      ['aof_delayed_fsync', 0],
    );
  }
  return f;
}
