// Per-stage latency histograms of the I/O workers (src/io-threads/protocol.ts).
import { expect, test } from 'vitest';
import { HIST_BUCKETS, STAGE_EXEC, STAGE_PARSE, W_FIELDS, W_HIST, histAdd, histPercentile } from '../../src/io-threads/protocol.ts';

test('samples land in log2 microsecond buckets', () => {
  const st = new Float64Array(W_FIELDS);
  for (const [us, bucket] of [[0, 0], [0.9, 0], [1, 1], [1.9, 1], [2, 2], [3.5, 2], [4, 3], [1000, 10], [1e12, HIST_BUCKETS - 1]]) {
    st.fill(0);
    histAdd(st, STAGE_EXEC, us);
    expect(st.indexOf(1), `${us} µs`).toBe(W_HIST + STAGE_EXEC * HIST_BUCKETS + bucket);
  }
});

test('percentiles over several workers are bucket upper bounds', () => {
  const a = new Float64Array(W_FIELDS);
  const b = new Float64Array(W_FIELDS);
  expect(histPercentile([a, b], STAGE_PARSE, 50)).toBe(0);
  for (let i = 0; i < 98; i++) histAdd(i % 2 ? a : b, STAGE_PARSE, 3); // bucket [2, 4)
  histAdd(a, STAGE_PARSE, 100); // [64, 128)
  histAdd(b, STAGE_PARSE, 5000); // [4096, 8192)
  expect(histPercentile([a, b], STAGE_PARSE, 50)).toBe(4);
  expect(histPercentile([a, b], STAGE_PARSE, 99)).toBe(128);
  expect(histPercentile([a, b], STAGE_PARSE, 99.9)).toBe(8192);
  expect(histPercentile([a, b], STAGE_EXEC, 99)).toBe(0);
});
