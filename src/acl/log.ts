/*
 * The ACL LOG: refused commands, keys, channels and failed AUTHs, newest first. Like Redis 7.0,
 * a refusal similar to one of the last 10 entries (same reason, context, object and user, within
 * 60 s of it) bumps that entry's count, time and client info and moves it to the front instead of
 * adding one; the list is cut to acllog-max-len.
 */
export const CTX_TOPLEVEL = 0;
export const CTX_MULTI = 1;
export const CTX_LUA = 2;

export interface AclLogEntry {
  count: number;
  /** ACL_DENIED_* (check.ts). */
  reason: number;
  context: number;
  /** The command, key, channel, or the AUTH/HELLO name as typed (latin1). */
  object: string;
  username: string;
  /** ms of the last update. */
  ctime: number;
  /** CLIENT LIST line of the client refused (a script's caller for its commands). */
  clientInfo: string;
}

const GROUPING_MS = 60000;

export class AclLog {
  /** Newest first. */
  entries: AclLogEntry[] = [];

  add(e: Omit<AclLogEntry, 'count'>, maxLen: number): void {
    const scan = Math.min(10, this.entries.length);
    for (let i = 0; i < scan; i++) {
      const cur = this.entries[i];
      if (cur.reason === e.reason && cur.context === e.context && Math.abs(cur.ctime - e.ctime) <= GROUPING_MS &&
        cur.object === e.object && cur.username === e.username) {
        cur.clientInfo = e.clientInfo;
        cur.ctime = e.ctime;
        cur.count++;
        this.entries.splice(i, 1);
        this.entries.unshift(cur);
        return;
      }
    }
    this.entries.unshift({ count: 1, ...e });
    if (this.entries.length > maxLen) this.entries.length = maxLen;
  }

  reset(): void {
    this.entries = [];
  }
}
