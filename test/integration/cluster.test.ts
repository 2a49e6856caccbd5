/*
 * Cluster mode on real sockets.
 *  1. One node started with --cluster-enabled yes, side by side with redis-server 7.0 started the
 *     same way: every deterministic CLUSTER reply and routing error compared byte for byte (the
 *     node IDs and ports masked).
 *  2. A three-node Spindle cluster formed with CLUSTER MEET / ADDSLOTSRANGE / REPLICATE:
 *     -MOVED, -CROSSSLOT, -ASK with ASKING, -TRYAGAIN, MULTI/EXEC per slot, READONLY on a
 *     replica, SELECT, MIGRATE (KEYS, COPY, REPLACE, AUTH), CLUSTER SETSLOT NODE, the slot view
 *     (COUNTKEYSINSLOT/GETKEYSINSLOT), and CLUSTER FAILOVER TAKEOVER.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, hasRedis, rawClient, type ServerHandle, startRedis, startSpindle } from '../helpers/servers.ts';
import { cli, type Cli, waitFor } from '../helpers/replication.ts';

async function clusterNode(kind: 'spindle' | 'redis', extra: string[] = []): Promise<{ h: ServerHandle; bus: number }> {
  const bus = await freePort();
  const args = ['--cluster-enabled', 'yes', '--cluster-port', String(bus), '--cluster-node-timeout', '2000', ...extra];
  const h = kind === 'spindle' ? await startSpindle(args) : await startRedis(args);
  return { h, bus };
}

const SIDE_BY_SIDE: string[][] = [
  ['CLUSTER', 'INFO'],
  ['CLUSTER', 'NODES'],
  ['CLUSTER', 'MYID'],
  ['CLUSTER', 'SLOTS'],
  ['CLUSTER', 'SHARDS'],
  ['CLUSTER', 'KEYSLOT', 'foo'],
  ['CLUSTER', 'KEYSLOT', 'foo{bar}'],
  ['CLUSTER', 'KEYSLOT', '{}x'],
  ['CLUSTER', 'KEYSLOT', '{a}{b}'],
  ['CLUSTER', 'KEYSLOT', 'x{'],
  ['SET', 'a', '1'],
  ['MSET', 'foo', '1', 'bar', '2'],
  ['GET', 'x'],
  ['SELECT', '1'],
  ['SELECT', '0'],
  ['SWAPDB', '0', '1'],
  ['MOVE', 'a', '1'],
  ['COPY', '{a}x', '{a}y', 'DB', '1'],
  ['COPY', '{a}x', '{a}y', 'DB', '0'],
  ['PING'],
  ['CLUSTER', 'ADDSLOTS', '0', '1', '2'],
  ['CLUSTER', 'ADDSLOTSRANGE', '5', '10'],
  ['CLUSTER', 'ADDSLOTS', '0'],
  ['CLUSTER', 'ADDSLOTS', '20', '20'],
  ['CLUSTER', 'ADDSLOTS', '16384'],
  ['CLUSTER', 'ADDSLOTS', '-1'],
  ['CLUSTER', 'ADDSLOTS', 'x'],
  ['CLUSTER', 'ADDSLOTSRANGE', '30'],
  ['CLUSTER', 'ADDSLOTSRANGE', '40', '30'],
  ['CLUSTER', 'DELSLOTS', '100'],
  ['CLUSTER', 'DELSLOTSRANGE', '5', '6'],
  ['CLUSTER', 'NODES'],
  ['CLUSTER', 'SLOTS'],
  ['CLUSTER', 'SHARDS'],
  ['CLUSTER', 'INFO'],
  ['CLUSTER', 'COUNTKEYSINSLOT', '0'],
  ['CLUSTER', 'COUNTKEYSINSLOT', '16384'],
  ['CLUSTER', 'COUNTKEYSINSLOT', 'x'],
  ['CLUSTER', 'GETKEYSINSLOT', '0', '10'],
  ['CLUSTER', 'GETKEYSINSLOT', '0', '-1'],
  ['CLUSTER', 'SETSLOT', '0', 'MIGRATING', 'abc'],
  ['CLUSTER', 'SETSLOT', '3', 'MIGRATING', 'abc'],
  ['CLUSTER', 'SETSLOT', '0', 'IMPORTING', 'abc'],
  ['CLUSTER', 'SETSLOT', '0', 'NODE', 'abc'],
  ['CLUSTER', 'SETSLOT', '0', 'BOGUS'],
  ['CLUSTER', 'SETSLOT', '0', 'STABLE'],
  ['CLUSTER', 'MEET', '1.2.3.4', 'x'],
  ['CLUSTER', 'MEET', '1.2.3.4', '1', 'y'],
  ['CLUSTER', 'MEET', 'nohost', '1'],
  ['CLUSTER', 'REPLICATE', 'abc'],
  ['CLUSTER', 'REPLICAS', 'abc'],
  ['CLUSTER', 'FORGET', 'abc'],
  ['CLUSTER', 'COUNT-FAILURE-REPORTS', 'abc'],
  ['CLUSTER', 'FAILOVER'],
  ['CLUSTER', 'FAILOVER', 'BOGUS'],
  ['CLUSTER', 'SET-CONFIG-EPOCH', '-1'],
  ['CLUSTER', 'SET-CONFIG-EPOCH', '5'],
  ['CLUSTER', 'SET-CONFIG-EPOCH', '6'],
  ['CLUSTER', 'BUMPEPOCH'],
  ['CLUSTER', 'BUMPEPOCH'],
  ['CLUSTER', 'INFO'],
  ['CLUSTER', 'LINKS'],
  ['CLUSTER', 'HELP'],
  ['CLUSTER', 'FOO'],
  ['CLUSTER', 'RESET', 'BOGUS'],
  ['CLUSTER', 'SAVECONFIG'],
  ['ASKING'],
  ['READONLY'],
  ['READWRITE'],
  ['CLUSTER', 'FLUSHSLOTS'],
  ['CLUSTER', 'NODES'],
  ['CLUSTER', 'RESET', 'HARD'],
  ['CLUSTER', 'INFO'],
];

describe.skipIf(!hasRedis())('cluster: one node side by side with redis-server --cluster-enabled yes', () => {
  let sp: { h: ServerHandle; bus: number };
  let rd: { h: ServerHandle; bus: number };
  beforeAll(async () => {
    [sp, rd] = await Promise.all([clusterNode('spindle'), clusterNode('redis')]);
  });
  afterAll(async () => {
    await Promise.all([sp?.h.stop(), rd?.h.stop()]);
  });

  for (const resp of [2, 3]) {
    it(`replies match byte for byte (RESP${resp})`, async () => {
      const a = await rawClient(sp.h.port);
      const b = await rawClient(rd.h.port);
      await a.send(['HELLO', String(resp)]);
      await b.send(['HELLO', String(resp)]);
      const ids: string[] = [];
      for (const c of [a, b]) ids.push((await c.send(['CLUSTER', 'MYID'])).toString('latin1').split('\r\n')[1]);
      const mask = (s: string, i: number, port: number, bus: number) =>
        s.split(ids[i]).join('<id>').split(String(bus)).join('<bus>').split(String(port)).join('<port>');
      for (const cmd of SIDE_BY_SIDE) {
        // RESET HARD renames the node: learn the new IDs afterwards.
        const ra = mask((await a.send(cmd)).toString('latin1'), 0, sp.h.port, sp.bus);
        const rb = mask((await b.send(cmd)).toString('latin1'), 1, rd.h.port, rd.bus);
        expect(ra.split('\r\n'), cmd.join(' ')).toEqual(rb.split('\r\n'));
        if (cmd[1] === 'RESET' && cmd[2] === 'HARD') {
          ids.length = 0;
          for (const c of [a, b]) ids.push((await c.send(['CLUSTER', 'MYID'])).toString('latin1').split('\r\n')[1]);
        }
      }
      a.close();
      b.close();
    });
  }
});

describe('cluster: three Spindle nodes formed by hand', () => {
  const nodes: { h: ServerHandle; bus: number }[] = [];
  const c: Cli[] = [];
  const ids: string[] = [];
  beforeAll(async () => {
    for (let i = 0; i < 3; i++) nodes.push(await clusterNode('spindle'));
    for (const n of nodes) c.push(await cli(n.h.port));
    for (const x of c) ids.push(String(await x.call('CLUSTER', 'MYID')));
    expect(await c[0].call('CLUSTER', 'ADDSLOTSRANGE', 0, 8191)).toBe('OK');
    expect(await c[1].call('CLUSTER', 'ADDSLOTSRANGE', 8192, 16383)).toBe('OK');
    expect(await c[0].call('CLUSTER', 'SET-CONFIG-EPOCH', 1)).toBe('OK');
    expect(await c[1].call('CLUSTER', 'SET-CONFIG-EPOCH', 2)).toBe('OK');
    for (let i = 1; i < 3; i++) expect(await c[i].call('CLUSTER', 'MEET', '127.0.0.1', nodes[0].h.port, nodes[0].bus)).toBe('OK');
    await waitFor('every node knows three', async () => {
      for (const x of c) if (!String(await x.call('CLUSTER', 'INFO')).includes('cluster_known_nodes:3')) return false;
      return true;
    });
    expect(await c[2].call('CLUSTER', 'REPLICATE', ids[0])).toBe('OK');
    await waitFor('cluster ok everywhere', async () => {
      for (const x of c) if (!String(await x.call('CLUSTER', 'INFO')).startsWith('cluster_state:ok')) return false;
      return true;
    });
  }, 60_000);
  afterAll(async () => {
    for (const x of c) x.close();
    await Promise.all(nodes.map((n) => n.h.stop()));
  });

  it('routes by slot: MOVED, CROSSSLOT, hash tags, SELECT', async () => {
    // foo is slot 12182 (node 1), bar 5061 (node 0).
    expect(await c[0].call('SET', 'bar', 'x')).toBe('OK');
    expect(await c[0].call('SET', 'foo', 'x')).toBe(`ERR:MOVED 12182 127.0.0.1:${nodes[1].h.port}`);
    expect(await c[1].call('SET', 'foo', 'y')).toBe('OK');
    expect(await c[0].call('MSET', 'bar', '1', 'foo', '2')).toBe("ERR:CROSSSLOT Keys in request don't hash to the same slot");
    expect(await c[0].call('MSET', '{bar}1', '1', '{bar}2', '2')).toBe('OK');
    expect(await c[0].call('MGET', '{bar}1', '{bar}2')).toEqual(['1', '2']);
    expect(await c[0].call('SELECT', 1)).toBe('ERR:ERR SELECT is not allowed in cluster mode');
    expect(await c[0].call('SELECT', 0)).toBe('OK');
    expect(await c[0].call('PING')).toBe('PONG');
    expect(await c[0].call('CLUSTER', 'COUNTKEYSINSLOT', 5061)).toBe(3);
    expect(((await c[0].call('CLUSTER', 'GETKEYSINSLOT', 5061, 10)) as string[]).sort()).toEqual(['bar', '{bar}1', '{bar}2']);
    expect(await c[0].call('CLUSTER', 'GETKEYSINSLOT', 5061, 1)).toHaveLength(1);
  });

  it('keeps per-slot key counts through writes, deletes, renames and expiry', async () => {
    const x = c[0];
    let tag = '';
    for (let i = 0; tag === ''; i++) if (Number(await x.call('CLUSTER', 'KEYSLOT', `{t${i}}`)) < 5000) tag = `{t${i}}`;
    const slot = Number(await x.call('CLUSTER', 'KEYSLOT', tag));
    const base = Number(await x.call('CLUSTER', 'COUNTKEYSINSLOT', slot));
    for (let i = 0; i < 20; i++) await x.call('SET', `${tag}${i}`, 'v');
    await x.call('SET', `${tag}0`, 'overwrite');
    await x.call('RPUSH', `${tag}list`, 'a');
    await x.call('LPOP', `${tag}list`);
    await x.call('DEL', `${tag}1`, `${tag}2`);
    await x.call('UNLINK', `${tag}3`);
    await x.call('RENAME', `${tag}4`, `${tag}renamed`);
    await x.call('SET', `${tag}short`, 'v', 'PX', 1);
    await waitFor('the short key expires', async () => (await x.call('EXISTS', `${tag}short`)) === 0);
    expect(await x.call('CLUSTER', 'COUNTKEYSINSLOT', slot)).toBe(base + 17);
    expect(await x.call('CLUSTER', 'GETKEYSINSLOT', slot, 100)).toHaveLength(base + 17);
    await x.call('DEL', ...Array.from({ length: 20 }, (_, i) => `${tag}${i}`), `${tag}renamed`);
    expect(await x.call('CLUSTER', 'COUNTKEYSINSLOT', slot)).toBe(base);
  });

  it('checks MULTI/EXEC per slot', async () => {
    const x = c[0];
    expect(await x.call('MULTI')).toBe('OK');
    expect(await x.call('SET', 'foo', '1')).toBe(`ERR:MOVED 12182 127.0.0.1:${nodes[1].h.port}`);
    expect(await x.call('EXEC')).toBe('ERR:EXECABORT Transaction discarded because of previous errors.');
    expect(await x.call('MULTI')).toBe('OK');
    expect(await x.call('SET', '{bar}a', '1')).toBe('QUEUED');
    expect(await x.call('SET', 'bar', '1')).toBe('QUEUED');
    expect(await x.call('EXEC')).toEqual(['OK', 'OK']);
  });

  it('serves reads on a replica after READONLY only', async () => {
    await waitFor('replica has bar', async () => {
      const r = await c[2].call('READONLY');
      const v = await c[2].call('GET', 'bar');
      await c[2].call('READWRITE');
      return r === 'OK' && v === '1';
    });
    expect(await c[2].call('GET', 'bar')).toBe(`ERR:MOVED 5061 127.0.0.1:${nodes[0].h.port}`);
    expect(await c[2].call('READONLY')).toBe('OK');
    expect(await c[2].call('SET', 'bar', '2')).toBe(`ERR:MOVED 5061 127.0.0.1:${nodes[0].h.port}`);
    expect(await c[2].call('READWRITE')).toBe('OK');
  });

  it('migrates a slot: ASK, ASKING, TRYAGAIN, MIGRATE, SETSLOT NODE', async () => {
    const slot = 5061; // bar, {bar}1, {bar}2, {bar}a
    const [src, dst] = [c[0], c[1]];
    expect(await dst.call('CLUSTER', 'SETSLOT', slot, 'IMPORTING', ids[0])).toBe('OK');
    expect(await src.call('CLUSTER', 'SETSLOT', slot, 'MIGRATING', ids[1])).toBe('OK');
    expect(String(await src.call('CLUSTER', 'NODES'))).toContain(`[${slot}->-${ids[1]}]`);
    expect(String(await dst.call('CLUSTER', 'NODES'))).toContain(`[${slot}-<-${ids[0]}]`);
    // An existing key is still served by the source; a missing one is asked of the target.
    expect(await src.call('GET', 'bar')).toBe('1');
    expect(await src.call('GET', '{bar}missing')).toBe(`ERR:ASK ${slot} 127.0.0.1:${nodes[1].h.port}`);
    expect(await dst.call('GET', 'bar')).toBe(`ERR:MOVED ${slot} 127.0.0.1:${nodes[0].h.port}`);
    expect(await dst.call('ASKING')).toBe('OK');
    expect(await dst.call('GET', '{bar}missing')).toBe(null);
    // ASKING lasts one command.
    expect(await dst.call('GET', '{bar}missing')).toBe(`ERR:MOVED ${slot} 127.0.0.1:${nodes[0].h.port}`);
    // MIGRATE one key, then the rest with KEYS; COPY leaves the source's copy.
    expect(await src.call('MIGRATE', '127.0.0.1', nodes[1].h.port, 'bar', 0, 5000)).toBe('OK');
    expect(await src.call('CLUSTER', 'GETKEYSINSLOT', slot, 10)).not.toContain('bar');
    expect(await src.call('MIGRATE', '127.0.0.1', nodes[1].h.port, '', 0, 5000, 'COPY', 'KEYS', '{bar}1')).toBe('OK');
    expect(await src.call('CLUSTER', 'GETKEYSINSLOT', slot, 10)).toContain('{bar}1');
    expect(await src.call('MIGRATE', '127.0.0.1', nodes[1].h.port, '', 0, 5000, 'KEYS', '{bar}1')).toMatch(/^ERR:ERR Target instance replied with error: BUSYKEY/);
    expect(await src.call('MIGRATE', '127.0.0.1', nodes[1].h.port, '', 0, 5000, 'REPLACE', 'AUTH', 'nopass', 'KEYS', '{bar}1')).toMatch(/^ERR:ERR Target instance replied with error: /);
    expect(await src.call('MIGRATE', '127.0.0.1', nodes[1].h.port, '', 0, 5000, 'REPLACE', 'KEYS', '{bar}1', '{bar}2', '{bar}a', '{bar}none')).toBe('OK');
    expect(await src.call('MIGRATE', '127.0.0.1', nodes[1].h.port, '', 0, 5000, 'KEYS', '{bar}none')).toBe('NOKEY');
    // A multi-key command in the importing slot with some keys missing: TRYAGAIN.
    expect(await dst.call('ASKING')).toBe('OK');
    expect(await dst.call('MGET', '{bar}1', '{bar}missing')).toBe('ERR:TRYAGAIN Multiple keys request during rehashing of slot');
    expect(await src.call('CLUSTER', 'COUNTKEYSINSLOT', slot)).toBe(0);
    expect(await dst.call('CLUSTER', 'SETSLOT', slot, 'NODE', ids[1])).toBe('OK');
    expect(await src.call('CLUSTER', 'SETSLOT', slot, 'NODE', ids[1])).toBe('OK');
    expect(await dst.call('MGET', 'bar', '{bar}1', '{bar}2', '{bar}a')).toEqual(['1', '1', '2', '1']);
    await waitFor('every node sees the new owner', async () => {
      for (const x of c) {
        const r = (await x.call('CLUSTER', 'SLOTS')) as [number, number, [string, number, string]][];
        const owner = r.find((e) => e[0] <= slot && slot <= e[1]);
        if (owner?.[2][2] !== ids[1]) return false;
      }
      return true;
    });
    expect(await src.call('GET', 'bar')).toBe(`ERR:MOVED ${slot} 127.0.0.1:${nodes[1].h.port}`);
  });

  it('routes sharded pub/sub by slot and carries PUBLISH over the bus', async () => {
    let ch = '';
    for (let i = 0; ch === ''; i++) if (Number(await c[0].call('CLUSTER', 'KEYSLOT', `ch${i}`)) < 5000) ch = `ch${i}`;
    // The replica of the channel's primary serves SSUBSCRIBE without READONLY.
    const sub = await rawClient(nodes[2].h.port);
    expect((await sub.send(['SSUBSCRIBE', ch])).toString()).toContain('ssubscribe');
    expect(await c[1].call('SPUBLISH', ch, 'x')).toMatch(/^ERR:MOVED /);
    expect(await c[0].call('SPUBLISH', ch, 'hello')).toBe(0);
    expect((await sub.readReply(10_000)).toString()).toContain('hello');
    expect((await sub.send(['SSUBSCRIBE', ch, 'foo'])).toString()).toBe("-CROSSSLOT Keys in request don't hash to the same slot\r\n");
    sub.close();
    const psub = await rawClient(nodes[0].h.port);
    expect((await psub.send(['SUBSCRIBE', 'news'])).toString()).toContain('subscribe');
    expect(await c[1].call('PUBLISH', 'news', 'hi')).toBe(0);
    expect((await psub.readReply(10_000)).toString()).toContain('hi');
    psub.close();
  });

  it('CLUSTER FAILOVER TAKEOVER promotes the replica and the old primary follows it', async () => {
    expect(await c[0].call('CLUSTER', 'FAILOVER')).toBe('ERR:ERR You should send CLUSTER FAILOVER to a replica');
    expect(await c[2].call('CLUSTER', 'FAILOVER', 'TAKEOVER')).toBe('OK');
    await waitFor('node 2 primary, node 0 its replica', async () => {
      const r2 = (await c[2].call('ROLE')) as Reply[];
      const nodes0 = String(await c[0].call('CLUSTER', 'NODES'));
      return r2[0] === 'master' && nodes0.includes(`myself,slave ${ids[2]}`);
    });
    expect(await c[2].call('CLUSTER', 'COUNTKEYSINSLOT', 0)).toBe(0);
    expect(String(await c[1].call('CLUSTER', 'NODES'))).toMatch(new RegExp(`${ids[2]} [^\\n]* master - [^\\n]* connected 0-5060 5062-8191`));
  });

  it('CLUSTER FAILOVER (coordinated with the primary) swaps the roles back', async () => {
    await waitFor('node 0 in sync with node 2', async () => {
      const r = (await c[0].call('ROLE')) as Reply[];
      // The primary must know node 0 as its replica (or it ignores MFSTART) and so must the
      // other primary (or it refuses its vote), as in Redis.
      const re = new RegExp(`${ids[0]} [^\\n]* slave ${ids[2]}`);
      const view1 = String(await c[1].call('CLUSTER', 'NODES'));
      const view2 = String(await c[2].call('CLUSTER', 'NODES'));
      return r[0] === 'slave' && r[3] === 'connected' && re.test(view1) && re.test(view2);
    });
    expect(await c[2].call('CLUSTER', 'FAILOVER')).toBe('ERR:ERR You should send CLUSTER FAILOVER to a replica');
    expect(await c[0].call('CLUSTER', 'FAILOVER', 'BOGUS')).toBe('ERR:ERR syntax error');
    expect(await c[0].call('CLUSTER', 'FAILOVER')).toBe('OK');
    await waitFor('node 0 primary again, node 2 its replica', async () => {
      const r0 = (await c[0].call('ROLE')) as Reply[];
      const nodes2 = String(await c[2].call('CLUSTER', 'NODES'));
      return r0[0] === 'master' && nodes2.includes(`myself,slave ${ids[0]}`);
    }, 20_000).catch((e) => {
      throw new Error(`${e}\n${nodes.map((n) => n.h.output().split('\n').slice(-12).join('\n')).join('\n---\n')}`);
    });
    let key = '';
    for (let i = 0; key === ''; i++) if (Number(await c[0].call('CLUSTER', 'KEYSLOT', `k${i}`)) < 5000) key = `k${i}`;
    await waitFor('node 0 accepts writes', async () => (await c[0].call('SET', key, 'x')) === 'OK');
  });
});

type Reply = string | number | null | Reply[];
