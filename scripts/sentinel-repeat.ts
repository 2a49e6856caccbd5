/*
 * node scripts/sentinel-repeat.ts [runs=20] [kinds=sss] [stop|kill]
 *
 * Runs the sentinel failover scenario (test/helpers/sentinel-group.ts) `runs` times in a row,
 * each with a fresh group: a Spindle primary and two replicas, three sentinels (`s` = Spindle,
 * `r` = redis-server --sentinel), an ioredis client writing through the failover. Prints one
 * line per run (failover time, client recovery, writes acknowledged before/after, lost) and the
 * pass count with min/median/max failover times, for docs/design-sentinel.md.
 */
import { runFailover, startGroup } from '../test/helpers/sentinel-group.ts';

const runs = Number(process.argv[2] ?? '20');
const kinds = [...(process.argv[3] ?? 'sss')].map((c) => c === 'r');
const mode = process.argv[4] === 'kill' ? 'kill' : 'stop';
const times: number[] = [];
const client: number[] = [];
let pass = 0;
for (let i = 1; i <= runs; i++) {
  const g = await startGroup(kinds);
  try {
    const r = await runFailover(g, mode);
    const leaders = g.sentinels.map((s, j) => (s.output().includes('+elected-leader') ? j : -1)).filter((j) => j >= 0);
    const ok = r.oldPrimaryReplica || mode === 'kill';
    if (ok) pass++;
    times.push(r.failoverMs);
    client.push(r.clientRecoveryMs);
    console.log(
      `run ${i}: ${ok ? 'ok' : 'FAIL'} failover=${r.failoverMs}ms client=${r.clientRecoveryMs}ms acked before=${r.ackedBefore} after=${r.ackedAfter} lost=${r.lost} (before stop ${r.lostBeforeStop}) leader=${leaders.join(',')}`,
    );
  } catch (e) {
    console.log(`run ${i}: FAIL ${(e as Error).message}`);
  } finally {
    await g.stop();
  }
}
const stats = (a: number[]) => {
  const s = [...a].sort((x, y) => x - y);
  return s.length === 0 ? 'n/a' : `min ${s[0]} median ${s[Math.floor(s.length / 2)]} max ${s[s.length - 1]} ms`;
};
console.log(`passed ${pass}/${runs}; failover ${stats(times)}; client recovery ${stats(client)}`);
process.exit(pass === runs ? 0 : 1);
