// Replication between Spindle processes (docs/design-replication.md): full sync (diskless and
// disk), the stream, partial resync after the link drops, the backlog overrun, a replica
// restart, chained replicas and promotion with the ID history, WAIT, min-replicas-to-write,
// read-only and stale-data refusals, SYNC. Every check polls with a generous deadline and ends
// with DEBUG DIGEST equal on both sides.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type ServerHandle, startSpindle } from '../helpers/servers.ts';
import { type Cli, cli, fillDataset, info, sleep, stat, waitFor, waitInSync, writeBurst } from '../helpers/replication.ts';
import { rawClient } from '../helpers/servers.ts';

const BASE = ['--enable-debug-command', 'yes', '--repl-diskless-sync-delay', '0'];

const handles: ServerHandle[] = [];
const clis: Cli[] = [];

async function node(args: string[] = []): Promise<{ h: ServerHandle; c: Cli }> {
  const h = await startSpindle([...BASE, ...args]);
  handles.push(h);
  const c = await cli(h.port);
  clis.push(c);
  return { h, c };
}

afterAll(async () => {
  for (const c of clis) c.close();
  await Promise.all(handles.map((h) => h.stop()));
});

describe('primary and replica', () => {
  let p: Cli;
  let r: Cli;
  let rh: ServerHandle;
  let ph: ServerHandle;

  beforeAll(async () => {
    ({ c: p, h: ph } = await node());
    ({ c: r, h: rh } = await node());
    await fillDataset(p, 'pre');
  });

  test('full sync (diskless), then the stream; INFO and ROLE', async () => {
    expect(await r.call('REPLICAOF', '127.0.0.1', ph.port)).toBe('OK');
    expect(await r.call('REPLICAOF', '127.0.0.1', ph.port)).toBe('OK Already connected to specified master');
    expect(await r.call('CONFIG', 'GET', 'replicaof')).toEqual(['replicaof', `127.0.0.1 ${ph.port}`]);
    await waitInSync(p, r);
    await writeBurst(p, 'live', 120);
    await waitInSync(p, r);
    const pi = await info(p);
    const ri = await info(r);
    expect(pi.get('role')).toBe('master');
    expect(pi.get('connected_slaves')).toBe('1');
    expect(pi.get('slave0')).toMatch(new RegExp(`^ip=127\\.0\\.0\\.1,port=${rh.port},state=online,offset=\\d+,lag=\\d+$`));
    expect(pi.get('repl_backlog_active')).toBe('1');
    expect(ri.get('role')).toBe('slave');
    expect(ri.get('master_port')).toBe(String(ph.port));
    expect(ri.get('master_replid')).toBe(pi.get('master_replid'));
    expect(ri.get('slave_repl_offset')).toBe(ri.get('master_repl_offset'));
    const role = (await r.call('ROLE')) as (string | number)[];
    expect(role.slice(0, 4)).toEqual(['slave', '127.0.0.1', ph.port, 'connected']);
    await waitFor('ROLE lists the replica', async () => ((await p.call('ROLE')) as unknown[][])[2].length === 1);
    expect(await stat(p, 'sync_full')).toBe(1);
    expect(await r.call('SET', 'x', 1)).toBe("ERR:READONLY You can't write against a read only replica.");
    expect(await r.call('CLIENT', 'LIST', 'TYPE', 'master')).toMatch(/flags=M /);
  });

  test('a replica never expires keys itself, but reads do not see them', async () => {
    await p.call('DEBUG', 'SET-ACTIVE-EXPIRE', 0);
    await p.call('SET', 'short', 'v', 'PX', 50);
    await waitInSync(p, r);
    await sleep(200);
    expect(await r.call('GET', 'short')).toBe(null);
    expect(await r.call('EXISTS', 'short')).toBe(0);
    // Still there until the primary's DEL arrives.
    expect(await r.call('DEBUG', 'OBJECT', 'short')).toMatch(/^Value at:|encoding/);
    expect(await p.call('GET', 'short')).toBe(null);
    await waitInSync(p, r);
    expect(String(await r.call('DEBUG', 'OBJECT', 'short'))).toMatch(/no such key/);
    await p.call('DEBUG', 'SET-ACTIVE-EXPIRE', 1);
  });

  test('partial resync after the master link is killed during a write burst', async () => {
    const partial = await stat(p, 'sync_partial_ok');
    const full = await stat(p, 'sync_full');
    const burst = writeBurst(p, 'b1', 300);
    await sleep(20);
    expect(await r.call('CLIENT', 'KILL', 'TYPE', 'master')).toBeGreaterThanOrEqual(0);
    await burst;
    await waitInSync(p, r);
    expect(await stat(p, 'sync_partial_ok')).toBeGreaterThan(partial);
    expect(await stat(p, 'sync_full')).toBe(full);
  });

  test('partial resync after the primary kills the replica link', async () => {
    const partial = await stat(p, 'sync_partial_ok');
    await writeBurst(p, 'b2', 50);
    expect(await p.call('CLIENT', 'KILL', 'TYPE', 'replica')).toBe(1);
    await writeBurst(p, 'b3', 50);
    await waitInSync(p, r);
    expect(await stat(p, 'sync_partial_ok')).toBe(partial + 1);
  });

  test('WAIT and min-replicas-to-write', async () => {
    await p.call('SET', 'w', 1);
    expect(await p.call('WAIT', 1, 10_000)).toBe(1);
    // Two replicas will never ack: the timeout answers with the count.
    expect(await p.call('WAIT', 2, 300)).toBe(1);
    expect(await p.call('WAIT', 'x', 0)).toBe('ERR:ERR value is not an integer or out of range');
    expect(String(await r.call('WAIT', 1, 0))).toMatch(/^ERR:ERR WAIT cannot be used with replica instances/);
    await p.call('CONFIG', 'SET', 'min-replicas-to-write', 2);
    await waitFor('NOREPLICAS', async () => (await p.call('SET', 'mr', 1)) === 'ERR:NOREPLICAS Not enough good replicas to write.');
    expect(await p.call('GET', 'mr')).toBe(null);
    expect((await info(p)).get('min_slaves_good_slaves')).toBe('1');
    await p.call('CONFIG', 'SET', 'min-replicas-to-write', 1);
    await waitFor('writes accepted', async () => (await p.call('SET', 'mr', 1)) === 'OK');
    await p.call('CONFIG', 'SET', 'min-replicas-to-write', 0);
    await waitInSync(p, r);
  });

  test('the backlog overrun (replica paused, link dropped): full sync', async () => {
    await p.call('CONFIG', 'SET', 'repl-backlog-size', 16384);
    const full = await stat(p, 'sync_full');
    rh.proc.kill('SIGSTOP');
    try {
      // The link goes first (what the replica has not read yet is still delivered), then the
      // writes overrun the 16 KiB backlog while it sleeps.
      await p.call('CLIENT', 'KILL', 'TYPE', 'replica');
      for (let i = 0; i < 100; i++) await p.call('SET', `big${i}`, 'y'.repeat(1000));
    } finally {
      rh.proc.kill('SIGCONT');
    }
    await waitInSync(p, r);
    expect(await stat(p, 'sync_full')).toBe(full + 1);
    await p.call('CONFIG', 'SET', 'repl-backlog-size', 1048576);
  });

  test('a paused replica over client-output-buffer-limit replica is dropped, then resyncs', async () => {
    await p.call('CONFIG', 'SET', 'client-output-buffer-limit', 'replica 1000000 0 0');
    rh.proc.kill('SIGSTOP');
    try {
      // More than the kernel's socket buffers hold: the rest waits in the primary, over the limit.
      const big = 'z'.repeat(100_000);
      for (let i = 0; i < 200; i++) await p.call('SET', `huge${i % 20}`, big);
      await waitFor('replica dropped', async () => (await info(p)).get('connected_slaves') === '0');
    } finally {
      rh.proc.kill('SIGCONT');
    }
    await p.call('CONFIG', 'SET', 'client-output-buffer-limit', 'replica 268435456 67108864 60');
    await waitInSync(p, r);
    expect(ph.output()).toMatch(/closed ASAP for overcoming of output buffer limits/);
  });

  test('the link killed in the middle of the transfer: the replica retries and ends identical', async () => {
    await p.call('CONFIG', 'SET', 'rdb-key-save-delay', 2000);
    const full = await stat(p, 'sync_full');
    // A new history on the replica side forces a full sync.
    await r.call('REPLICAOF', 'NO', 'ONE');
    await r.call('FLUSHALL');
    await r.call('REPLICAOF', '127.0.0.1', ph.port);
    await waitFor('transfer in progress', async () => (await info(r)).get('master_sync_in_progress') === '1');
    await r.call('CLIENT', 'KILL', 'TYPE', 'master').catch(() => 0);
    await p.call('CLIENT', 'KILL', 'TYPE', 'replica');
    await p.call('CONFIG', 'SET', 'rdb-key-save-delay', 0);
    await writeBurst(p, 'b4', 30);
    await waitInSync(p, r);
    expect(await stat(p, 'sync_full')).toBeGreaterThanOrEqual(full + 2);
  });

  test('disk-backed sync ($<len> payload) and a restarted replica', async () => {
    await p.call('CONFIG', 'SET', 'repl-diskless-sync', 'no');
    const { c: r2 } = await node(['--replicaof', '127.0.0.1', String(ph.port)]);
    await waitInSync(p, r2);
    await writeBurst(p, 'b5', 30);
    await waitInSync(p, r2);
    // Restarted (persistence off): the new process syncs in full again.
    const full = await stat(p, 'sync_full');
    const h2 = handles[handles.length - 1];
    await h2.stop();
    const { c: r3 } = await node(['--replicaof', '127.0.0.1', String(ph.port)]);
    await writeBurst(p, 'b6', 20);
    await waitInSync(p, r3);
    expect(await stat(p, 'sync_full')).toBe(full + 1);
    await waitInSync(p, r);
    await p.call('CONFIG', 'SET', 'repl-diskless-sync', 'yes');
  });

  test('SYNC (old protocol): the payload then the stream', async () => {
    const raw = await rawClient(ph.port);
    raw.sendRaw('SYNC\r\n');
    await waitFor('payload', async () => raw.pending().indexOf('\r\n') > 0);
    const head = raw.pending().toString('latin1', 0, raw.pending().indexOf('\r\n'));
    expect(head).toMatch(/^\$\d+$/);
    const len = Number(head.slice(1));
    await waitFor('whole payload', async () => raw.pending().length >= head.length + 2 + len);
    expect(raw.pending().toString('latin1', head.length + 2, head.length + 7)).toBe('REDIS');
    await p.call('SET', 'via-sync', 'v');
    await waitFor('stream', async () => raw.pending().includes('via-sync'));
    raw.close();
  });

  test('PSYNC on raw connections: +FULLRESYNC and the payload, then +CONTINUE from that offset', async () => {
    const raw = await rawClient(ph.port);
    raw.sendRaw('PSYNC ? -1\r\n');
    await waitFor('+FULLRESYNC', async () => raw.pending().indexOf('\r\n$') > 0);
    const text = raw.pending().toString('latin1');
    const m = /^\+FULLRESYNC ([0-9a-f]{40}) (\d+)\r\n\$(\d+)\r\n/.exec(text);
    expect(m).not.toBeNull();
    const [, id, off] = m as RegExpExecArray;
    expect(id).toBe((await info(p)).get('master_replid'));
    raw.close();
    await p.call('SET', 'after-fullresync', 'v');
    const again = await rawClient(ph.port);
    again.sendRaw(`REPLCONF capa psync2\r\nPSYNC ${id} ${Number(off) + 1}\r\n`);
    await waitFor('+CONTINUE and the backlog', async () => again.pending().includes('after-fullresync'));
    expect(again.pending().toString('latin1')).toMatch(new RegExp(`^\\+OK\r\n\\+CONTINUE ${id}\r\n`));
    again.close();
    // An unknown history gets a full sync.
    const other = await rawClient(ph.port);
    other.sendRaw(`PSYNC ${'f'.repeat(40)} 1\r\n`);
    await waitFor('+FULLRESYNC', async () => other.pending().toString('latin1').startsWith('+FULLRESYNC'));
    other.close();
    await waitInSync(p, r);
  });
});

describe('stale data', () => {
  test('a WAIT in progress is unblocked when the primary becomes a replica', async () => {
    const { c, h } = await node();
    const waiter = await cli(h.port);
    clis.push(waiter);
    await waiter.call('SET', 'k', 1);
    const pending = waiter.call('WAIT', 1, 0);
    await waitFor('blocked', async () => /cmd=wait/.test(String(await c.call('CLIENT', 'LIST'))));
    await c.call('REPLICAOF', '127.0.0.1', 1);
    expect(await pending).toBe('ERR:UNBLOCKED force unblock from blocking operation, instance state changed (master -> replica?)');
    await c.call('REPLICAOF', 'NO', 'ONE');
  });

  test('replica-serve-stale-data no: -MASTERDOWN while the link is down', async () => {
    const { c } = await node(['--replica-serve-stale-data', 'no']);
    await c.call('REPLICAOF', '127.0.0.1', 1);
    expect(await c.call('GET', 'k')).toBe("ERR:MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.");
    expect(await c.call('INFO', 'server')).toMatch(/redis_version/);
    const i = await info(c);
    expect(i.get('master_link_status')).toBe('down');
    expect(i.get('master_link_down_since_seconds')).toBe('-1');
    expect(await c.call('REPLICAOF', 'NO', 'ONE')).toBe('OK');
    expect(await c.call('GET', 'k')).toBe(null);
  });
});

describe('chained replicas and promotion', () => {
  test('A -> B -> C share one stream; B promoted, C and A continue partially', async () => {
    const { c: a, h: ah } = await node();
    const { c: b, h: bh } = await node();
    const { c: cc } = await node();
    await fillDataset(a, 'chain', 50);
    await b.call('REPLICAOF', '127.0.0.1', ah.port);
    await waitInSync(a, b);
    await cc.call('REPLICAOF', '127.0.0.1', bh.port);
    await waitInSync(b, cc);
    await a.call('SELECT', 5);
    await writeBurst(a, 'c1', 60);
    await waitInSync(a, b);
    await waitInSync(b, cc);
    const ai = await info(a);
    const ci = await info(cc);
    expect(ci.get('master_replid')).toBe(ai.get('master_replid'));
    expect(ci.get('master_repl_offset')).toBe(ai.get('master_repl_offset'));
    // Promote B; C reconnects and continues under B's new ID; A becomes B's replica, partially.
    const oldId = ai.get('master_replid');
    expect(await b.call('REPLICAOF', 'NO', 'ONE')).toBe('OK');
    const bi = await info(b);
    expect(bi.get('role')).toBe('master');
    expect(bi.get('master_replid2')).toBe(oldId);
    expect(bi.get('second_repl_offset')).toBe(String(Number(ai.get('master_repl_offset')) + 1));
    await a.call('REPLICAOF', '127.0.0.1', bh.port);
    await b.call('SET', 'after-promotion', 1);
    await waitInSync(b, a);
    await waitInSync(b, cc);
    expect(await stat(b, 'sync_partial_ok')).toBe(2);
    expect(await stat(b, 'sync_full')).toBe(1); // C's first sync, from B while B was a replica
    expect(await a.call('GET', 'after-promotion')).toBe('1');
  });
});

describe('FAILOVER', () => {
  test('the primary hands over to its synced replica and continues as its replica', async () => {
    const { c: a, h: ah } = await node();
    const { c: b, h: bh } = await node();
    await fillDataset(a, 'fo', 30);
    await b.call('REPLICAOF', '127.0.0.1', ah.port);
    await waitInSync(a, b);
    await writeBurst(a, 'fo1', 30);
    expect(await a.call('FAILOVER', 'TO', '127.0.0.1', bh.port, 'TIMEOUT', 20_000)).toBe('OK');
    expect(await a.call('FAILOVER')).toMatch(/^ERR:ERR FAILOVER (already in progress|is not valid when server is a replica)\.$/);
    await waitFor('roles swapped', async () => (await info(b)).get('role') === 'master' && (await info(a)).get('master_link_status') === 'up');
    await waitFor('failover state cleared', async () => (await info(a)).get('master_failover_state') === 'no-failover');
    expect(await b.call('SET', 'after-failover', 1)).toBe('OK');
    await waitInSync(b, a);
    expect(await a.call('GET', 'after-failover')).toBe('1');
    // The old primary continued partially, under the promoted replica's new ID.
    expect(await stat(b, 'sync_partial_ok')).toBe(1);
    expect((await info(b)).get('master_replid2')).toBe((await info(a)).get('master_replid2'));
  });

  test('a timeout without a synced replica aborts; ABORT', async () => {
    const { c: a, h: ah } = await node();
    const { c: b, h: bh } = await node();
    await b.call('REPLICAOF', '127.0.0.1', ah.port);
    await waitInSync(a, b);
    expect(await a.call('FAILOVER', 'TO', '127.0.0.1', bh.port + 1)).toBe('ERR:ERR FAILOVER target HOST and PORT is not a replica.');
    const bp = (await b.call('CLIENT', 'LIST')) as string;
    expect(bp).toMatch(/flags=M/);
    // A paused replica never ACKs: the timeout aborts and writes resume.
    handles[handles.length - 1].proc.kill('SIGSTOP');
    try {
      await a.call('SET', 'x', 1);
      expect(await a.call('FAILOVER', 'TIMEOUT', 300)).toBe('OK');
      expect((await info(a)).get('master_failover_state')).toBe('waiting-for-sync');
      await waitFor('aborted', async () => (await info(a)).get('master_failover_state') === 'no-failover');
      expect(await a.call('SET', 'y', 1)).toBe('OK');
      expect(await a.call('FAILOVER')).toBe('OK');
      expect(await a.call('FAILOVER', 'ABORT')).toBe('OK');
      expect((await info(a)).get('role')).toBe('master');
    } finally {
      handles[handles.length - 1].proc.kill('SIGCONT');
    }
    await waitInSync(a, b);
  });
});

describe('against a scripted primary', () => {
  // A fake primary on a raw socket: every byte of the stream and every offset is known, so the
  // link can be cut exactly inside a transaction.
  test('a link lost inside MULTI resumes at the MULTI; GETACK reports the applied offset', async () => {
    const { c: donor, h: dh } = await node();
    // An empty dataset's RDB, as a primary would send it.
    const raw = await rawClient(dh.port);
    raw.sendRaw('SYNC\r\n');
    await waitFor('payload', async () => /^\$(\d+)\r\n/.test(raw.pending().toString('latin1')));
    const len = Number(/^\$(\d+)\r\n/.exec(raw.pending().toString('latin1'))?.[1]);
    const head = `$${len}\r\n`.length;
    await waitFor('whole payload', async () => raw.pending().length >= head + len);
    const rdb = Buffer.from(raw.pending().subarray(head, head + len));
    raw.close();
    donor.close();

    const id = 'a'.repeat(40);
    const enc = (...a: string[]) => `*${a.length}\r\n${a.map((x) => `$${Buffer.byteLength(x)}\r\n${x}\r\n`).join('')}`;
    const before = enc('SELECT', '0') + enc('SET', 'k1', 'v1');
    const tx = enc('MULTI') + enc('SET', 'k2', 'v2') + enc('EXEC');
    const getack = enc('REPLCONF', 'GETACK', '*');
    const psyncs: string[] = [];
    const acks: string[] = [];
    let conn = 0;
    const sockets: import('node:net').Socket[] = [];
    const { createServer } = await import('node:net');
    const fake = createServer((s) => {
      sockets.push(s);
      const n = ++conn;
      let buf = Buffer.alloc(0);
      s.on('error', () => {});
      s.on('data', (d: Buffer) => {
        buf = Buffer.concat([buf, d]);
        for (;;) {
          const text = buf.toString('latin1');
          const m = /^\*(\d+)\r\n/.exec(text);
          if (m === null) return;
          // Parse one multibulk request.
          let p = m[0].length;
          const args: string[] = [];
          for (let i = 0; i < Number(m[1]); i++) {
            const h = /^\$(\d+)\r\n/.exec(text.slice(p));
            if (h === null) return;
            const l = Number(h[1]);
            if (text.length < p + h[0].length + l + 2) return;
            args.push(text.slice(p + h[0].length, p + h[0].length + l));
            p += h[0].length + l + 2;
          }
          buf = buf.subarray(p);
          const cmd = args[0].toUpperCase();
          if (cmd === 'PING') s.write('+PONG\r\n');
          else if (cmd === 'REPLCONF' && args[1].toUpperCase() === 'ACK') acks.push(args[2]);
          else if (cmd === 'REPLCONF') s.write('+OK\r\n');
          else if (cmd === 'PSYNC') {
            psyncs.push(`${args[1]} ${args[2]}`);
            if (n === 1) {
              s.write(`+FULLRESYNC ${id} 0\r\n$${rdb.length}\r\n`);
              s.write(rdb);
              // The transaction's EXEC never comes on this connection.
              s.write(before + enc('MULTI') + enc('SET', 'k2', 'v2'));
            } else {
              s.write(`+CONTINUE ${id}\r\n`);
              s.write(tx + getack);
            }
          }
        }
      });
    });
    await new Promise<void>((r) => fake.listen(0, '127.0.0.1', () => r()));
    const fport = (fake.address() as import('node:net').AddressInfo).port;
    try {
      const { c: r } = await node();
      await r.call('REPLICAOF', '127.0.0.1', fport);
      await waitFor('k1 applied', async () => (await r.call('GET', 'k1')) === 'v1');
      // Applied bytes before the open MULTI only.
      expect((await info(r)).get('master_repl_offset')).toBe(String(before.length));
      expect(await r.call('GET', 'k2')).toBe(null);
      sockets[0].destroy();
      await waitFor('second PSYNC', async () => psyncs.length === 2, 20_000);
      expect(psyncs[0]).toMatch(/^[0-9a-f]{40} \d+$/);
      expect(psyncs[1]).toBe(`${id} ${before.length + 1}`);
      await waitFor('k2 applied', async () => (await r.call('GET', 'k2')) === 'v2');
      const total = before.length + tx.length + getack.length;
      await waitFor('offset', async () => (await info(r)).get('master_repl_offset') === String(total));
      // The GETACK was answered with the bytes before it.
      await waitFor('ack', async () => acks.includes(String(before.length + tx.length)));
    } finally {
      for (const s of sockets) s.destroy();
      fake.close();
    }
  });
});
