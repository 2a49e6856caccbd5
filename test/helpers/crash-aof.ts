// The AOF crash test (issue 13, "Reliability tests"): writers send INCRs and SETs and note every
// acknowledged one while the Spindle process is SIGKILLed at a random moment; the next start
// reloads the AOF and every acknowledged write must be there. Some cycles start a BGREWRITEAOF
// just before the kill, so crashes also land in the middle of a rewrite. Used by
// scripts/crash-aof.ts (100+ cycles, figures for docs/design-persistence.md) and by a short run
// in test/integration/aof-crash.test.ts.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type RawClient, rawClient, startSpindle, type ServerHandle } from './servers.ts';

export interface CrashOptions {
  cycles: number;
  fsync: 'always' | 'everysec' | 'no';
  /** Extra server arguments (e.g. --aof-use-rdb-preamble no). */
  args?: string[];
  writers?: number;
  /** Kill between minMs and maxMs after the writers start. */
  minMs?: number;
  maxMs?: number;
  /** Every how many cycles a BGREWRITEAOF is sent just before the kill (0: never). */
  rewriteEvery?: number;
  log?: (line: string) => void;
}

export interface CrashReport {
  fsync: string;
  cycles: number;
  /** Acknowledged INCRs and SETs over all cycles. */
  ackedIncrs: number;
  ackedSets: number;
  /** Acknowledged writes missing after the restart (the guarantee: 0 with always). */
  lostIncrs: number;
  lostSets: number;
  /** Writes sent whose reply never came (the kill cut them): may or may not be applied. */
  unacked: number;
  /** Cycles killed while a rewrite was under way (BGREWRITEAOF sent just before). */
  killedDuringRewrite: number;
  /** Restarts whose load had to cut a torn tail (aof-load-truncated). */
  truncatedTails: number;
  failures: string[];
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function int(c: RawClient, args: string[]): Promise<number> {
  const r = (await c.send(args)).toString('latin1');
  if (r.startsWith('$-1')) return 0;
  const m = /^(?::|\$\d+\r\n)(-?\d+)\r\n$/.exec(r);
  if (m === null) throw new Error(`unexpected reply to ${args.join(' ')}: ${JSON.stringify(r)}`);
  return Number(m[1]);
}

/** Waits until the server answers other than -LOADING (it listens while loading). */
async function waitLoaded(c: RawClient): Promise<void> {
  for (let i = 0; i < 3000; i++) {
    const r = (await c.send(['PING'])).toString('latin1');
    if (!r.startsWith('-LOADING')) return;
    await sleep(10);
  }
  throw new Error('still loading after 30 s');
}

export async function runCrashCycles(opts: CrashOptions): Promise<CrashReport> {
  const dir = mkdtempSync(path.join(tmpdir(), 'spindle-crash-'));
  const log = opts.log ?? (() => {});
  const writers = opts.writers ?? 3;
  const minMs = opts.minMs ?? 50;
  const maxMs = opts.maxMs ?? 400;
  const rep: CrashReport = {
    fsync: opts.fsync, cycles: 0, ackedIncrs: 0, ackedSets: 0, lostIncrs: 0, lostSets: 0, unacked: 0,
    killedDuringRewrite: 0, truncatedTails: 0, failures: [],
  };
  const args = ['--dir', dir, '--appendonly', 'yes', '--appendfsync', opts.fsync, '--save', '', ...(opts.args ?? [])];
  // What the previous cycle had acknowledged: the counter's highest acked value, acked SET keys.
  let counterAcked = 0;
  let counterSent = 0;
  let setsAcked: [string, string][] = [];
  let srv: ServerHandle | null = null;
  try {
    for (let cycle = 0; cycle < opts.cycles; cycle++) {
      srv = await startSpindle(args, { timeoutMs: 30_000 });
      if (/Truncating the AOF/.test(srv.output())) rep.truncatedTails++;
      // Verify what the previous cycle acknowledged.
      const check = await rawClient(srv.port);
      await waitLoaded(check);
      const counter = await int(check, ['GET', 'counter']);
      if (counter < counterAcked) {
        rep.lostIncrs += counterAcked - counter;
        rep.failures.push(`cycle ${cycle}: counter ${counter} < acknowledged ${counterAcked}`);
      }
      if (counter > counterSent) rep.failures.push(`cycle ${cycle}: counter ${counter} > sent ${counterSent}`);
      for (const [k, v] of setsAcked) {
        const got = (await check.send(['GET', k])).toString('latin1');
        if (got !== `$${v.length}\r\n${v}\r\n`) {
          rep.lostSets++;
          if (rep.failures.length < 20) rep.failures.push(`cycle ${cycle}: ${k} = ${JSON.stringify(got)}, acknowledged ${v}`);
        }
      }
      check.close();
      counterAcked = Math.max(counterAcked, counter);
      counterSent = Math.max(counterSent, counter);
      setsAcked = [];
      // Write until killed.
      let dead = false;
      const writer = async (w: number): Promise<void> => {
        const c = await rawClient(srv!.port);
        try {
          for (let i = 0; !dead; i++) {
            if (i % 2 === 0) {
              counterSent++;
              const v = await int(c, ['INCR', 'counter']);
              rep.ackedIncrs++;
              if (v > counterAcked) counterAcked = v;
            } else {
              const k = `k:${cycle}:${w}:${i}`;
              const v = `v${i}`;
              await c.send(['SET', k, v]);
              rep.ackedSets++;
              setsAcked.push([k, v]);
            }
          }
        } catch {
          rep.unacked++;
        } finally {
          c.close();
        }
      };
      const running = Array.from({ length: writers }, (_, w) => writer(w));
      const delay = minMs + Math.random() * (maxMs - minMs);
      const rewrite = opts.rewriteEvery !== undefined && opts.rewriteEvery > 0 && cycle % opts.rewriteEvery === opts.rewriteEvery - 1;
      if (rewrite) {
        await sleep(delay / 2);
        const a = await rawClient(srv.port);
        await a.send(['BGREWRITEAOF']).catch(() => Buffer.alloc(0));
        const info = (await a.send(['INFO', 'persistence']).catch(() => Buffer.alloc(0))).toString();
        if (/aof_rewrite_in_progress:1/.test(info)) rep.killedDuringRewrite++;
        a.close();
        await sleep(Math.random() * 5);
      } else {
        await sleep(delay);
      }
      const exited = new Promise<void>((r) => srv!.proc.once('exit', () => r()));
      srv.proc.kill('SIGKILL');
      await exited;
      dead = true;
      await Promise.all(running);
      await srv.stop();
      srv = null;
      rep.cycles++;
      log(`${opts.fsync} cycle ${cycle + 1}/${opts.cycles}: counter acked ${counterAcked}, ${setsAcked.length} SETs acked${rewrite ? ' (rewrite)' : ''}`);
    }
    // The last cycle's writes, checked by one more start.
    srv = await startSpindle(args, { timeoutMs: 30_000 });
    const check = await rawClient(srv.port);
    await waitLoaded(check);
    const counter = await int(check, ['GET', 'counter']);
    if (counter < counterAcked) {
      rep.lostIncrs += counterAcked - counter;
      rep.failures.push(`final: counter ${counter} < acknowledged ${counterAcked}`);
    }
    for (const [k, v] of setsAcked) {
      const got = (await check.send(['GET', k])).toString('latin1');
      if (got !== `$${v.length}\r\n${v}\r\n`) rep.lostSets++;
    }
    check.close();
  } finally {
    if (srv !== null) await srv.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  return rep;
}
