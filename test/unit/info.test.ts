// INFO helpers (src/server/info.ts): Redis's number formatting, section selection, and the
// latency histogram whose percentiles must print as Redis's hdr_histogram prints them.
import { describe, expect, test } from 'vitest';
import { bytesToHuman, formatFixed, selectSections } from '../../src/server/info.ts';
import { LatencyHistogram } from '../../src/util/latency-histogram.ts';

describe('formatFixed (printf %.Nf)', () => {
  test('rounds exact ties to even like glibc', () => {
    expect(formatFixed(1.125, 2)).toBe('1.12');
    expect(formatFixed(1.375, 2)).toBe('1.38');
    expect(formatFixed(-1.125, 2)).toBe('-1.12');
    expect(formatFixed(0.5, 1)).toBe('0.5');
    expect(formatFixed(2.675, 2)).toBe('2.67'); // 2.67499999... in binary
    expect(formatFixed(1015.4296875, 2)).toBe('1015.43');
    expect(formatFixed(0, 2)).toBe('0.00');
  });
});

describe('bytesToHuman', () => {
  test('as Redis prints used_memory_human', () => {
    expect(bytesToHuman(0)).toBe('0B');
    expect(bytesToHuman(1023)).toBe('1023B');
    expect(bytesToHuman(1024)).toBe('1.00K');
    expect(bytesToHuman(1039800)).toBe('1015.43K');
    expect(bytesToHuman(7151616)).toBe('6.82M');
    expect(bytesToHuman(25276514304)).toBe('23.54G');
    expect(bytesToHuman(1152)).toBe('1.12K'); // 1.125 exactly: ties to even
  });
});

describe('selectSections', () => {
  test('no argument is the default set', () => {
    const s = selectSections([]);
    expect(s.all).toBe(false);
    expect([...s.sections]).toContain('keyspace');
    expect([...s.sections]).not.toContain('commandstats');
  });

  test('all, everything, names in any case', () => {
    expect(selectSections(['ALL']).all).toBe(true);
    expect(selectSections(['everything'])).toMatchObject({ all: true, everything: true });
    expect([...selectSections(['CPU', 'Keyspace']).sections]).toEqual(['cpu', 'keyspace']);
    expect([...selectSections(['default', 'commandstats']).sections]).toContain('commandstats');
  });
});

describe('LatencyHistogram', () => {
  // Values read off redis-server 7.0.15's INFO latencystats after one call of each duration.
  test.each([
    [4, 4.015],
    [8, 8.031],
    [11, 11.007],
    [39, 39.167],
    [55, 55.039],
  ])('one %i us call prints p50=%f', (usec, printed) => {
    const h = new LatencyHistogram();
    h.record(usec * 1000);
    expect(h.valueAt(50) / 1000).toBeCloseTo(printed, 6);
    expect(h.valueAt(99.9) / 1000).toBeCloseTo(printed, 6);
  });

  test('percentiles pick the bucket holding the requested rank', () => {
    const h = new LatencyHistogram();
    for (let i = 0; i < 99; i++) h.record(1000);
    h.record(1_000_000);
    expect(h.valueAt(50)).toBe(1003);
    expect(h.valueAt(99)).toBe(1003);
    expect(h.valueAt(100)).toBe(1_000_000 + 2 ** 12 - 1 - (1_000_000 % 2 ** 12));
    expect(h.valueAt(0)).toBe(1000);
  });

  test('values are clamped to [1 ns, 1 s]', () => {
    const h = new LatencyHistogram();
    h.record(0);
    h.record(5e12);
    expect(h.valueAt(0)).toBe(1);
    expect(h.valueAt(100)).toBeGreaterThanOrEqual(1e9);
    expect(h.valueAt(100)).toBeLessThan(1.01e9);
  });
});
