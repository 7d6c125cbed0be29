/** Small statistics for the bench: percentiles by nearest rank, medians of repetitions. */

export function percentile(values, p) {
  if (!values.length) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

export const median = (values) => percentile(values, 50);

/** "12.3" with one decimal under 100, whole numbers above. */
export function fmt(value, unit = "") {
  if (value === null || value === undefined || Number.isNaN(value)) return "n/a";
  const text = Math.abs(value) >= 100 ? String(Math.round(value)) : value.toFixed(1);
  return `${text}${unit}`;
}
