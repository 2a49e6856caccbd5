/* The per-command latency histogram of INFO latencystats (Redis's hdr_histogram settings). */

/*
 * hdr_histogram with lowest value 1, highest 1e9 and 2 significant figures: 256 sub-buckets, of
 * which the upper 128 repeat per doubling. Value v (ns) lands in bucket k = max(0, bitlen(v|255)
 * - 8) at index k*128 + (v >> k); index i stands for the range starting at sub << k with
 * sub = (i & 127) + 128 (or i itself below 128) and 2^k values wide.
 */
const HIST_MAX = 1_000_000_000;
const HIST_LEN = 3072;

export class LatencyHistogram {
  readonly counts = new Float64Array(HIST_LEN);
  total = 0;

  /** Records one duration in nanoseconds (clamped to [1, 1e9], as Redis does). */
  record(ns: number): void {
    let v = Math.round(ns);
    if (v < 1) v = 1;
    else if (v > HIST_MAX) v = HIST_MAX;
    const k = 24 - Math.clz32(v | 255);
    this.counts[k * 128 + (v >>> k)]++;
    this.total++;
  }

  /** hdr_value_at_percentile: the highest value equivalent to the bucket holding the percentile. */
  valueAt(percentile: number): number {
    const p = percentile < 100 ? percentile : 100;
    let want = Math.trunc((p / 100) * this.total + 0.5);
    if (want < 1) want = 1;
    let seen = 0;
    for (let i = 0; i < HIST_LEN; i++) {
      seen += this.counts[i];
      if (seen >= want) {
        let k = (i >> 7) - 1;
        let sub = (i & 127) + 128;
        if (k < 0) {
          sub -= 128;
          k = 0;
        }
        const low = sub * 2 ** k;
        return percentile === 0 ? low : low + 2 ** k - 1;
      }
    }
    return 0;
  }
}

