/*
 * Active expiry (Redis's expire.c activeExpireCycle, slow cycle), run from the cron.
 *
 * Keys that nobody reads must still go away, but the loop must never hold the thread longer
 * than its budget. So: for each database in turn, sample 20 keys with a TTL (uniformly, from the
 * dense expiry array: Keyspace.expEnt) and delete the expired ones; repeat while more than 10% of
 * a sample had expired (7.0's ACTIVE_EXPIRE_CYCLE_ACCEPTABLE_STALE at effort 1), within a budget
 * of 25% of the cron period. Each deletion is its own propagation unit (a DEL, as 7.0 writes it).
 * The server skips the cycle while clients are paused.
 */
import type { Db } from '../store/db.ts';
import type { Propagation } from './propagation.ts';
import type { Stats } from './stats.ts';

export class ActiveExpire {
  private readonly dbs: readonly Db[];
  private readonly stats: Stats;
  private readonly propagation: Propagation;
  /** The database the next cycle starts with. */
  private expireDb = 0;

  constructor(dbs: readonly Db[], stats: Stats, propagation: Propagation) {
    this.dbs = dbs;
    this.stats = stats;
    this.propagation = propagation;
  }

  /** One cycle of at most budgetMs milliseconds. */
  run(budgetMs: number): void {
    const start = performance.now();
    const ndb = this.dbs.length;
    let sampledTotal = 0;
    let expiredTotal = 0;
    for (let k = 0; k < ndb; k++) {
      const db = this.dbs[this.expireDb];
      const ks = db.ks;
      this.expireDb = (this.expireDb + 1) % ndb;
      for (;;) {
        if (ks.expCount === 0) break;
        const now = Date.now();
        const n = Math.min(20, ks.expCount);
        let expired = 0;
        let ttlSum = 0;
        let ttlN = 0;
        for (let i = 0; i < n; i++) {
          const x = Math.floor(Math.random() * ks.expCount);
          const at = ks.expAt[x];
          if (now > at) {
            this.propagation.beginUnit();
            db.expireEntry(ks.expEnt[x]);
            this.propagation.endUnit();
            expired++;
          } else {
            ttlSum += at - now;
            ttlN++;
          }
        }
        sampledTotal += n;
        expiredTotal += expired;
        if (ttlN > 0) {
          const avg = ttlSum / ttlN;
          ks.avgTtl = ks.avgTtl === 0 ? avg : (ks.avgTtl / 50) * 49 + avg / 50;
        }
        if (performance.now() - start > budgetMs) {
          this.stats.expiredTimeCapReached++;
          this.finish(sampledTotal, expiredTotal, start);
          return;
        }
        if (expired * 100 <= n * 10) break;
      }
    }
    this.finish(sampledTotal, expiredTotal, start);
  }

  private finish(sampled: number, expired: number, start: number): void {
    const perc = sampled > 0 ? expired / sampled : 0;
    this.stats.expiredStalePerc = perc * 0.05 + this.stats.expiredStalePerc * 0.95;
    this.stats.expireCycleCpuMs += performance.now() - start;
  }
}
