// LATENCY GRAPH's ASCII sparkline (src/server/commands/latency.ts) against the text redis-server
// 7.0.15 drew for the same samples (recorded: six DEBUG SLEEPs a second apart, the graph asked
// for at unix second 1796651490).
import { expect, test } from 'vitest';
import { latencyGraph } from '../../src/server/commands/latency.ts';
import { LatencySeries } from '../../src/server/latency-monitor.ts';

const REDIS_GRAPH = [
  'command - high 55 ms, low 2 ms (all time high 55 ms)',
  '--------------------------------------------------------------------------------',
  ' # o  ',
  ' | |  ',
  ' | | o',
  '_|#|_|',
  '      ',
  '764321',
  'ssssss',
  '',
].join('\n');

test('draws the same sparkline as Redis', () => {
  const ts = new LatencySeries();
  const samples: Array<[number, number]> = [
    [1796651483, 5], [1796651484, 55], [1796651486, 12], [1796651487, 50], [1796651488, 2], [1796651489, 20],
  ];
  for (const [t, ms] of samples) ts.add(t, ms);
  expect(latencyGraph('command', ts, 1796651490)).toBe(REDIS_GRAPH);
});

test('keeps the worst spike of a second, and the all-time high apart', () => {
  const ts = new LatencySeries();
  ts.add(100, 5);
  ts.add(100, 9);
  ts.add(100, 3);
  ts.add(101, 4);
  expect(ts.samples()).toEqual([[100, 9], [101, 4]]);
  expect(ts.max).toBe(9);
  // 160 slots: the oldest go first.
  for (let t = 200; t < 400; t++) ts.add(t, 1);
  expect(ts.samples().length).toBe(160);
  expect(ts.samples()[0][0]).toBe(240);
});

test('LATENCY DOCTOR words its report as Redis does', async () => {
  const { latencyDoctorText } = await import('../../src/server/commands/latency.ts');
  const ts = new LatencySeries();
  for (const [t, ms] of [[1796651501, 5], [1796651502, 30], [1796651503, 12]]) ts.add(t, ms);
  const events = new Map([['command', ts]]);
  const head =
    "Dave, I have observed latency spikes in this Redis instance. You don't mind talking about it, do you Dave?\n\n" +
    '1. command: 3 latency spikes (average 15ms, mean deviation 9ms, period 1.00 sec). Worst all time event 30ms.\n\n' +
    'I have a few advices for you:\n\n';
  const inspect =
    '- Check your Slow Log to understand what are the commands you are running which are too slow to execute. Please check https://redis.io/commands/slowlog for more information.\n' +
    '- Deleting, expiring or evicting (because of maxmemory policy) large objects is a blocking operation. If you have very large objects that are often deleted, expired, or evicted, try to fragment those objects into multiple smaller objects.\n';
  // Recorded from redis-server 7.0.15 with slowlog-log-slower-than -1, then 500.
  expect(latencyDoctorText(events, 1, -1, 128, 1796651504)).toBe(
    `${head}- There are latency issues with potentially slow commands you are using. Try to enable the Slow Log Redis feature using the command 'CONFIG SET slowlog-log-slower-than 1000'. If the Slow log is disabled Redis is not able to log slow commands execution for you.\n${inspect}`,
  );
  expect(latencyDoctorText(events, 1, 500, 128, 1796651504)).toBe(head + inspect);
  expect(latencyDoctorText(events, 1, 10000, 128, 1796651504)).toContain("Please use 'CONFIG SET slowlog-log-slower-than 1000'.");
});
