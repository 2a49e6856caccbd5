// A short run of the AOF crash test (test/helpers/crash-aof.ts; scripts/crash-aof.ts runs the
// 100-cycle version): Spindle is SIGKILLed at random moments under acknowledged INCRs and SETs,
// one of the kills right after a BGREWRITEAOF, and no acknowledged write may be missing after
// the restart. With appendfsync always that is Redis's guarantee; a SIGKILL (not a machine
// crash) leaves written pages to the kernel, so everysec loses nothing here either.
import { describe, expect, it } from 'vitest';
import { runCrashCycles } from '../helpers/crash-aof.ts';

describe('AOF crash test (short)', () => {
  it('appendfsync always: no acknowledged write lost over 4 SIGKILLs', async () => {
    const rep = await runCrashCycles({ cycles: 4, fsync: 'always', rewriteEvery: 2 });
    expect(rep.failures).toEqual([]);
    expect(rep.lostIncrs + rep.lostSets).toBe(0);
    expect(rep.ackedIncrs).toBeGreaterThan(0);
  }, 120_000);

  it('appendfsync everysec with a command-form base: none lost over 2 SIGKILLs', async () => {
    const rep = await runCrashCycles({ cycles: 2, fsync: 'everysec', rewriteEvery: 2, args: ['--aof-use-rdb-preamble', 'no'] });
    expect(rep.failures).toEqual([]);
    expect(rep.lostIncrs + rep.lostSets).toBe(0);
  }, 120_000);
});
