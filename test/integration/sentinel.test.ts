// Sentinel (docs/design-sentinel.md): three Spindle sentinels watching a Spindle primary and two
// replicas. The primary is stopped (SIGSTOP) while an ioredis client with the `sentinels` option
// writes; a replica is promoted, the client follows, and the old primary, resumed, becomes a
// replica of the new one. Also the SENTINEL replies that do not need a failover.
import { readFileSync } from 'node:fs';
import { type Socket, connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { waitFor } from '../helpers/replication.ts';
import { type Group, fields, runFailover, startGroup } from '../helpers/sentinel-group.ts';

let g: Group;

beforeAll(async () => {
  g = await startGroup([false, false, false]);
}, 120_000);

afterAll(async () => {
  await g?.stop();
});

describe('spindle sentinels', () => {
  test('discovery, SENTINEL replies, CKQUORUM, ROLE, INFO', async () => {
    const s = g.clis[2];
    const m = fields((await s.call('SENTINEL', 'MASTER', 'mymaster')) as string[]);
    expect([...m.keys()]).toEqual([
      'name', 'ip', 'port', 'runid', 'flags', 'link-pending-commands', 'link-refcount', 'last-ping-sent', 'last-ok-ping-reply',
      'last-ping-reply', 'down-after-milliseconds', 'info-refresh', 'role-reported', 'role-reported-time', 'config-epoch',
      'num-slaves', 'num-other-sentinels', 'quorum', 'failover-timeout', 'parallel-syncs',
    ]);
    expect(m.get('flags')).toBe('master');
    const reps = (await s.call('SENTINEL', 'REPLICAS', 'mymaster')) as string[][];
    expect(reps.length).toBe(2);
    expect([...fields(reps[0]).keys()].slice(14)).toEqual([
      'master-link-down-time', 'master-link-status', 'master-host', 'master-port', 'slave-priority', 'slave-repl-offset', 'replica-announced',
    ]);
    expect(fields(reps[0]).get('master-link-status')).toBe('ok');
    const sens = (await s.call('SENTINEL', 'SENTINELS', 'mymaster')) as string[][];
    expect(sens.length).toBe(2);
    expect(await s.call('SENTINEL', 'CKQUORUM', 'mymaster')).toBe('OK 3 usable Sentinels. Quorum and failover authorization can be reached');
    expect(await s.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', 'nope')).toBe(null);
    expect(await s.call('SENTINEL', 'MASTER', 'nope')).toBe('ERR:ERR No such master with that name');
    expect(await s.call('ROLE')).toEqual(['sentinel', ['mymaster']]);
    expect(await s.call('SET', 'a', 'b')).toBe("ERR:ERR unknown command 'SET', with args beginning with: 'a' 'b' ");
    expect(String(await s.call('INFO', 'sentinel'))).toContain('master0:name=mymaster,status=ok,');
    expect(String(await s.call('SENTINEL', 'MYID'))).toMatch(/^[0-9a-f]{40}$/);
    // A second name for the same primary, with a quorum above the majority footgun check.
    expect(await s.call('SENTINEL', 'MONITOR', 'other', '127.0.0.1', g.data[0].port, 1)).toBe('OK');
    expect(await s.call('SENTINEL', 'MONITOR', 'other', '127.0.0.1', g.data[0].port, 1)).toBe('ERR:ERR Duplicate master name.');
    expect(await s.call('SENTINEL', 'REMOVE', 'other')).toBe('OK');
  });

  test('failover under SIGSTOP with an ioredis client writing', async () => {
    // A RESP3 subscriber (HELLO 3) gets +switch-master as a push frame; a RESP2 pattern subscriber as a pmessage.
    const resp3 = await listen(g.sentinels[0].port, ['HELLO', '3'], ['SUBSCRIBE', '+switch-master']);
    const pattern = await listen(g.sentinels[1].port, ['PSUBSCRIBE', '+switch-*']);
    const r = await runFailover(g, 'stop');
    await waitFor('the subscribers got +switch-master', async () => resp3.text().includes('message\r\n$14\r\n+switch-master\r\n') && pattern.text().includes('pmessage\r\n'));
    expect(resp3.text()).toMatch(/^%7\r\n/);
    expect(resp3.text()).toContain('>3\r\n$9\r\nsubscribe\r\n$14\r\n+switch-master\r\n:1\r\n');
    expect(resp3.text()).toMatch(/>3\r\n\$7\r\nmessage\r\n\$14\r\n\+switch-master\r\n\$\d+\r\nmymaster 127\.0\.0\.1 \d+ 127\.0\.0\.1 \d+\r\n/);
    expect(pattern.text()).toContain('*4\r\n$8\r\npmessage\r\n$9\r\n+switch-*\r\n$14\r\n+switch-master\r\n$');
    resp3.sock.destroy();
    pattern.sock.destroy();
    console.log(`sentinel failover: ${JSON.stringify(r)}`);
    expect(g.data.slice(1).map((d) => d.port)).toContain(r.newPrimaryPort);
    expect(r.ackedAfter).toBeGreaterThan(0);
    expect(r.oldPrimaryReplica).toBe(true);
    // Every sentinel has the new address in its rewritten config.
    for (const s of g.clis.slice(2, 5)) {
      expect(((await s.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', 'mymaster')) as string[])[1]).toBe(String(r.newPrimaryPort));
    }
    for (const h of g.sentinels) {
      await waitFor('config rewritten', async () => readFileSync(h.conf, 'utf8').includes(`sentinel monitor mymaster 127.0.0.1 ${r.newPrimaryPort} 2`));
      expect(readFileSync(h.conf, 'utf8')).toMatch(/sentinel current-epoch [1-9]/);
      expect(h.output()).toContain('+switch-master mymaster');
    }
  }, 120_000);

  test('CKQUORUM and the log: quorum reachable, majority not', async () => {
    const s = g.clis[2];
    expect(await s.call('SENTINEL', 'SET', 'mymaster', 'quorum', 1)).toBe('OK');
    await g.sentinels[1].stop();
    await g.sentinels[2].stop();
    await waitFor('the other sentinels are down', async () => {
      const list = (await s.call('SENTINEL', 'SENTINELS', 'mymaster')) as string[][];
      return list.every((x) => String(fields(x).get('flags')).includes('s_down'));
    });
    expect(await s.call('SENTINEL', 'CKQUORUM', 'mymaster')).toBe(
      'ERR:NOQUORUM 1 usable Sentinels. Not enough available Sentinels to reach the majority and authorize a failover',
    );
    // The log line reaches us through the child's stdout pipe, possibly after the reply.
    await waitFor('the CKQUORUM log line', async () => g.sentinels[0].output().includes('is reachable but 1 of 3 Sentinels are not a majority (2)'));
    expect(await s.call('SENTINEL', 'SET', 'mymaster', 'quorum', 3)).toBe('OK');
    expect(await s.call('SENTINEL', 'CKQUORUM', 'mymaster')).toBe(
      'ERR:NOQUORUM 1 usable Sentinels. Not enough available Sentinels to reach the specified quorum for this master',
    );
  }, 60_000);
});

/** A raw connection that sends commands and keeps every byte it receives. */
async function listen(port: number, ...cmds: string[][]): Promise<{ sock: Socket; text: () => string }> {
  const sock = connect(port, '127.0.0.1');
  const chunks: Buffer[] = [];
  sock.on('data', (d: Buffer) => chunks.push(d));
  await new Promise<void>((resolve) => sock.once('connect', () => resolve()));
  for (const c of cmds) sock.write(`*${c.length}\r\n${c.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`);
  const text = () => Buffer.concat(chunks).toString('latin1');
  await waitFor('subscribed', async () => text().includes('subscribe'));
  return { sock, text };
}
