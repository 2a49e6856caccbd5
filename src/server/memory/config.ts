/* The memory configs the hot path reads from fields: maxmemory*, lfu-*, lazyfree-lazy-*. */
import type { Server } from '../server.ts';

const NAMES = [
  'maxmemory', 'maxmemory-policy', 'lfu-log-factor', 'lfu-decay-time', 'lazyfree-lazy-server-del', 'lazyfree-lazy-user-del',
  'lazyfree-lazy-expire', 'lazyfree-lazy-eviction', 'lazyfree-lazy-user-flush',
];

/** Reads them now and again whenever one changes. */
export function applyMemoryConfig(srv: Server): void {
  const read = (): void => {
    const cfg = srv.config;
    srv.evictor.configure();
    srv.lfu = srv.evictor.lfu ? { logFactor: cfg.num('lfu-log-factor'), decayTime: cfg.num('lfu-decay-time') } : null;
    const lz = srv.lazyFree;
    lz.serverDel = cfg.bool('lazyfree-lazy-server-del');
    lz.userDel = cfg.bool('lazyfree-lazy-user-del');
    lz.expire = cfg.bool('lazyfree-lazy-expire');
    lz.eviction = cfg.bool('lazyfree-lazy-eviction');
    lz.userFlush = cfg.bool('lazyfree-lazy-user-flush');
  };
  read();
  for (const name of NAMES) srv.config.onChange(name, read);
  // updateMaxmemory: warn when the new limit is below what is in use, and start evicting now.
  srv.config.onChange('maxmemory', () => {
    const max = srv.evictor.maxmemory;
    if (max === 0) return;
    const used = srv.memory.usedNow();
    if (max < used) {
      srv.log.warning(
        `WARNING: the new maxmemory value set via CONFIG SET (${max}) is smaller than the current memory usage (${used}). This will result in key eviction and/or the inability to accept new write commands depending on the maxmemory-policy.`,
      );
    }
    setImmediate(() => srv.evictor.perform());
  });
}
