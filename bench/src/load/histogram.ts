/**
 * A fixed-bucket latency histogram: recording is an array increment, so millions of samples cost
 * no memory and no garbage. Samples past the last bucket land in an overflow count; the exact
 * maximum is kept on the side.
 */
export class Histogram {
  private readonly counts: Uint32Array;
  private overflow = 0;
  count = 0;
  max = 0;
  private sum = 0;

  /** `bucketMs` wide buckets from 0 up to `limitMs` (0.05 ms up to 10 s by default). */
  constructor(
    private readonly bucketMs = 0.05,
    limitMs = 10_000,
  ) {
    this.counts = new Uint32Array(Math.ceil(limitMs / bucketMs));
  }

  record(ms: number): void {
    const value = ms > 0 ? ms : 0;
    const index = (value / this.bucketMs) | 0;
    if (index < this.counts.length) {
      this.counts[index] = (this.counts[index] ?? 0) + 1;
    } else {
      this.overflow += 1;
    }
    this.count += 1;
    this.sum += value;
    if (value > this.max) {
      this.max = value;
    }
  }

  /** The `q` quantile (0..1), as the upper edge of its bucket; NaN when empty. */
  quantile(q: number): number {
    if (this.count === 0) {
      return NaN;
    }
    const rank = Math.max(1, Math.ceil(q * this.count));
    let seen = 0;
    for (let i = 0; i < this.counts.length; i++) {
      seen += this.counts[i] ?? 0;
      if (seen >= rank) {
        return Math.min((i + 1) * this.bucketMs, this.max);
      }
    }
    return this.max;
  }

  mean(): number {
    return this.count === 0 ? NaN : this.sum / this.count;
  }

  reset(): void {
    this.counts.fill(0);
    this.overflow = 0;
    this.count = 0;
    this.max = 0;
    this.sum = 0;
  }
}
