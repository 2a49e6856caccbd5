/*
 * Client eviction (Redis 7.0's maxmemory-clients): when the buffers of the normal and pub/sub
 * clients together reach the limit (bytes, or a percentage of maxmemory when set as "N%"), the
 * biggest clients are disconnected until the total is under it. As in Redis, a client using less
 * than 32 KiB is never evicted, nor one with CLIENT NO-EVICT on, nor replication links.
 *
 * Redis checks before each command and in beforeSleep; here the cron checks (hz times a second),
 * so a client can go past the limit for up to a cron period before it is dropped.
 */
import { isNoEvict } from '../commands/client.ts';
import type { Client } from '../client.ts';
import type { Server } from '../server.ts';
import { clientBufferBytes } from './accounting.ts';

/** Clients below this never get evicted (CLIENT_MEM_USAGE_BUCKET_MIN_LOG: 2^15). */
const MIN_EVICTABLE = 32 * 1024;

/** The maxmemory-clients limit in bytes, or 0 when off. */
export function clientMemoryLimit(srv: Server): number {
  const v = srv.config.num('maxmemory-clients');
  if (v >= 0) return v;
  return Math.floor((srv.evictor.maxmemory * -v) / 100);
}

/** Disconnects the biggest clients while their memory is over maxmemory-clients; returns how many. */
export function evictClients(srv: Server): number {
  const limit = clientMemoryLimit(srv);
  if (limit === 0) return 0;
  let total = 0;
  const big: Array<[Client, number]> = [];
  for (const c of srv.clients.values()) {
    if (c.kind !== 'normal' || c.closed) continue;
    const mem = clientBufferBytes(c);
    total += mem;
    if (mem >= MIN_EVICTABLE && !isNoEvict(c)) big.push([c, mem]);
  }
  if (total < limit || big.length === 0) return 0;
  big.sort((a, b) => b[1] - a[1]);
  let n = 0;
  for (const [c, mem] of big) {
    if (total < limit) break;
    srv.log.verbose(`Evicting client: id=${c.id} addr=${c.addr}`);
    srv.freeClient(c);
    total -= mem;
    n++;
  }
  srv.evictor.evictedClients += n;
  return n;
}
