// The propagation slot of call() against what redis-server 7.0.15 writes to its AOF for the same
// commands (test/golden/aof-cases, recorded by scripts/record-aof.ts; see test/helpers/aof.ts).
// The consumer below writes the stream the way Redis's feedAppendOnlyFile does: a SELECT before
// a command of another database than the last one written.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { opArgs, type PropagatedOp } from '../../src/server/propagation.ts';
import { readReply } from '../../src/protocol/reply-reader.ts';
import { scriptingSkipReason, skipScripting } from '../helpers/scripting.ts';
import { runCase } from '../helpers/golden.ts';
import { aofFamilies, caseStream, loadAofCases, loadAofRecorded, normArg, showAof } from '../helpers/aof.ts';
import { startInProcess, type InProcess } from '../helpers/in-process.ts';
import { rawClient } from '../helpers/servers.ts';

let srv: InProcess;
let stream: string[][] = [];
let selected = -1;

function consume(ops: readonly PropagatedOp[]): void {
  for (const op of ops) {
    if (op.db !== -1 && op.db !== selected) {
      stream.push(['SELECT', String(op.db)]);
      selected = op.db;
    }
    stream.push(opArgs(op).map((a) => normArg(Buffer.from(a).toString('latin1'))));
  }
}

beforeAll(async () => {
  srv = await startInProcess();
  srv.server.propagation.addConsumer(consume);
});

afterAll(() => srv.stop());

for (const family of aofFamilies()) {
  describe(`propagation: ${family}`, () => {
    const recorded = new Map(loadAofRecorded(family).cases.map((c) => [c.name, c.aof]));
    for (const c of loadAofCases(family)) {
      it.skipIf(skipScripting(family))(skipScripting(family) ? `${c.name} (${scriptingSkipReason()})` : c.name, async () => {
        stream = [];
        const run = await runCase(srv.port, c);
        expect(run.error).toBeUndefined();
        const want = recorded.get(c.name);
        expect(want, `case not recorded: run scripts/record-aof.ts`).toBeDefined();
        expect(showAof(caseStream(stream))).toBe(showAof(caseStream(want as string[][])));
      });
    }
  });
}

describe('propagation: served later', () => {
  it('a blocked BLPOP served by a later LPUSH is propagated as LPUSH then LPOP', async () => {
    const a = await rawClient(srv.port);
    const b = await rawClient(srv.port);
    await a.send(['FLUSHALL']);
    stream = [];
    const pending = a.send(['BLPOP', 'q', '0']);
    for (let i = 0; i < 400 && srv.server.blocked.count === 0; i++) await new Promise((r) => setTimeout(r, 5));
    await b.send(['LPUSH', 'q', 'x']);
    await pending;
    a.close();
    b.close();
    expect(showAof(stream)).toBe(showAof([['LPUSH', 'q', 'x'], ['LPOP', 'q']]));
  });
});

describe('socketless client', () => {
  it('runs commands and returns RESP bytes, and its writes propagate', async () => {
    const fake = srv.server.createSocketlessClient();
    stream = [];
    expect(Buffer.from(srv.server.runCommand(fake, ['SET', 'sk', 'v', 'EX', '100'])).toString('latin1')).toBe('+OK\r\n');
    expect(Buffer.from(srv.server.runCommand(fake, ['GET', 'sk'])).toString('latin1')).toBe('$1\r\nv\r\n');
    expect(Buffer.from(srv.server.runCommand(fake, ['INCR', 'sk'])).toString('latin1')).toBe('-ERR value is not an integer or out of range\r\n');
    expect(Buffer.from(srv.server.runCommand(fake, ['NOSUCH'])).toString('latin1')).toMatch(/^-ERR unknown command 'NOSUCH'/);
    expect(showAof(stream)).toBe(showAof([['SET', 'sk', 'v', 'PXAT', '<unix-ms>']]));
    const c = await rawClient(srv.port);
    expect((await c.send(['GET', 'sk'])).toString('latin1')).toBe('$1\r\nv\r\n');
    c.close();
  });

  it('its replies decode to values, in RESP2 and RESP3', () => {
    const fake = srv.server.createSocketlessClient();
    const run = (...args: string[]) => readReply(srv.server.runCommand(fake, args));
    run('DEL', 'h', 'l');
    expect(run('HSET', 'h', 'f', 'v', 'g', 'w')).toBe(2);
    expect(run('RPUSH', 'l', 'a', 'b\x00c')).toBe(2);
    expect(run('LRANGE', 'l', '0', '-1')).toEqual([Buffer.from('a'), Buffer.from('b\x00c')]);
    expect(run('SET', 'x', '1')).toEqual({ status: 'OK' });
    expect(run('LPUSH', 'x', 'y')).toEqual({ error: 'WRONGTYPE Operation against a key holding the wrong kind of value' });
    expect(run('GET', 'nosuchkey')).toBeNull();
    expect(run('HELLO', '3')).toHaveProperty('map');
    expect(run('HGETALL', 'h')).toEqual({ map: [[Buffer.from('f'), Buffer.from('v')], [Buffer.from('g'), Buffer.from('w')]] });
    expect(run('GET', 'nosuchkey')).toBeNull();
  });
});
