/**
 * Duration histograms: how medians and 90th percentiles come out of pre-aggregated rollups.
 *
 * Why a histogram and not sorted samples: a percentile over a month of a busy workspace would
 * otherwise read and sort every response time of that month (hundreds of thousands of rows),
 * while a histogram per day and dimension merges in microseconds and stays small. Buckets are 5%
 * wide on a log scale (bucket 0: under 1 s; bucket i ≥ 1 starts at 1 s × 1.05^(i−1), see
 * migrations/0009_reports_rollup.sql), and each keeps its count AND the sum of its values. A
 * percentile is the mean of the bucket that holds the nearest-rank sample: exact when that bucket
 * holds one distinct value (any small sample, every hand-computed test), and otherwise within the
 * bucket's 5% width of the true value. Means are exact (sum / count).
 */

/** bucket index → [count, sum of ms]. */
export type Histogram = Map<number, [number, number]>;

export interface DurationStats {
  count: number;
  /** ms; null when there is nothing to measure. */
  mean: number | null;
  median: number | null;
  p90: number | null;
}

/** Adds a rollup row's JSON histogram ({"57":[3,123456]}) into `into`. */
export function addHistogram(into: Histogram, json: string | null): void {
  if (!json) return;
  const parsed = JSON.parse(json) as Record<string, [number, number]>;
  for (const key in parsed) {
    const [n, sum] = parsed[key]!;
    const bucket = Number(key);
    const current = into.get(bucket);
    if (current) {
      current[0] += n;
      current[1] += sum;
    } else into.set(bucket, [n, sum]);
  }
}

/**
 * The nearest-rank percentile (the smallest sample with at least p of the samples at or below
 * it), as the mean of the bucket that holds it.
 */
export function percentile(hist: Histogram, p: number): number | null {
  let count = 0;
  for (const [n] of hist.values()) count += n;
  if (count === 0) return null;
  const rank = Math.max(1, Math.ceil(p * count));
  let seen = 0;
  for (const bucket of [...hist.keys()].sort((a, b) => a - b)) {
    const [n, sum] = hist.get(bucket)!;
    seen += n;
    if (seen >= rank) return Math.round(sum / n);
  }
  return null;
}

export function durationStats(hist: Histogram, count: number, total: number): DurationStats {
  if (count === 0) return { count: 0, mean: null, median: null, p90: null };
  return { count, mean: Math.round(total / count), median: percentile(hist, 0.5), p90: percentile(hist, 0.9) };
}

/** The bucket a duration falls in (the JavaScript twin of the SQL lookup in report_buckets). */
export function bucketOf(ms: number): number {
  if (ms < 1000) return 0;
  let lower = 1000;
  let idx = 1;
  while (idx < 420 && lower * 1.05 <= ms) {
    lower *= 1.05;
    idx++;
  }
  return idx;
}
