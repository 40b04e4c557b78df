/**
 * Collects per-image metrics of one model over a whole evaluation and turns them into the
 * summary: exact statistics overall and per SAS model family, code-size breakdown, error
 * aggregates and the gap histogram of the codes.
 * @module
 */
import type { ImageLabel } from "../pipeline/record_format.ts";
import { countGaps } from "../codec/gap_model.ts";
import type { BatchResult } from "./evaluate_stream.ts";
import {
  ErrorAccumulator,
  type ErrorAggregates,
  type ErrorState,
  type ImageMetrics,
} from "./image_metrics.ts";
import { Series, summarize, type Summary } from "../pipeline/summary_stats.ts";

/** Metrics summarized with mean/median/min/max/p05/p95. */
export const SUMMARY_METRICS = [
  "rel_l2",
  "rms_rel",
  "max_pointwise_rel",
  "nnz_ratio",
  "byte_ratio",
] as const;

/** One summarized metric name. */
export type SummaryMetric = typeof SUMMARY_METRICS[number];

/** Summary of one group of images (all, or one model family). */
export type GroupSummary = { n: number } & Record<SummaryMetric, Summary | null>;

/** Code-size totals over all images. */
export interface CodeBreakdown {
  total_bytes: number;
  value_bytes: number;
  gap_bytes: number;
  /** The input transform's per-image side information (2 bytes per image, or none). */
  side_bytes: number;
  code_nonzeros: number;
  mean_bytes_per_image: number;
  mean_value_bytes_per_image: number;
  mean_gap_bytes_per_image: number;
  /** Gap (+ END + flush) bytes per coded entry: the cost of the indices. */
  gap_bits_per_nonzero: number;
}

class Group {
  n = 0;
  series = Object.fromEntries(SUMMARY_METRICS.map((k) => [k, new Series()])) as Record<
    SummaryMetric,
    Series
  >;

  add(m: ImageMetrics): void {
    this.n++;
    for (const k of SUMMARY_METRICS) this.series[k].push(m[k]);
  }

  summary(): GroupSummary {
    const out = { n: this.n } as GroupSummary;
    for (const k of SUMMARY_METRICS) out[k] = summarize(this.series[k].values());
    return out;
  }
}

/** Everything the report needs about one model's results, accumulated batch by batch. */
export class MetricsReport {
  readonly all = new Group();
  readonly families = new Map<string, Group>();
  readonly errors = new ErrorAccumulator();
  /** gapCounts[δ]: how often gap δ (1 ≤ δ ≤ ℓ) occurs between coded entries. */
  readonly gapCounts: Float64Array;
  #pixels = 0;
  #totals = { bytes: 0, value: 0, gap: 0, side: 0, nnz: 0, pixelsNonzero: 0 };

  constructor(readonly ell: number) {
    this.gapCounts = new Float64Array(ell + 1);
  }

  /** Add one batch's results for images with `labels`. */
  add(labels: ImageLabel[], images: Float32Array, result: BatchResult): void {
    this.errors.add(images, result.reconstruction);
    this.#pixels += images.length;
    result.metrics.forEach((m, i) => this.addImage(String(labels[i]?.model ?? "unknown"), m));
    for (const indices of result.codedIndices) countGaps(indices, this.gapCounts);
  }

  /** Add one image's metrics (as read back from images.ndjson) to the statistics and totals. */
  addImage(family: string, m: ImageMetrics): void {
    this.all.add(m);
    let g = this.families.get(family);
    if (!g) this.families.set(family, g = new Group());
    g.add(m);
    this.#totals.bytes += m.code_bytes;
    this.#totals.value += m.value_bytes;
    this.#totals.gap += m.gap_bytes;
    this.#totals.side += m.side_bytes;
    this.#totals.nnz += m.code_nonzeros;
    this.#totals.pixelsNonzero += m.pixels_nonzero;
  }

  /** What images.ndjson does not hold: pixel count, error sums and gap counts. */
  state(): ReportState {
    return { pixels: this.#pixels, errors: this.errors.state(), gap_counts: [...this.gapCounts] };
  }

  /** Adds another report's {@linkcode ReportState} (its images go through `addImage`). */
  mergeState(s: ReportState): void {
    this.#pixels += s.pixels;
    this.errors.merge(s.errors);
    for (let d = 0; d < this.gapCounts.length; d++) this.gapCounts[d] += s.gap_counts[d] ?? 0;
  }

  /** Per-image values of one metric, in stream order. */
  values(metric: SummaryMetric): Float64Array {
    return this.all.series[metric].values();
  }

  /** Code-size totals and means. */
  breakdown(): CodeBreakdown {
    const t = this.#totals, n = Math.max(this.all.n, 1);
    return {
      total_bytes: t.bytes,
      value_bytes: t.value,
      gap_bytes: t.gap,
      side_bytes: t.side,
      code_nonzeros: t.nnz,
      mean_bytes_per_image: t.bytes / n,
      mean_value_bytes_per_image: t.value / n,
      mean_gap_bytes_per_image: t.gap / n,
      gap_bits_per_nonzero: t.nnz > 0 ? (8 * t.gap) / t.nnz : 0,
    };
  }

  /** The JSON summary of this model's results. */
  summary(): ModelSummary {
    const t = this.#totals;
    const families: Record<string, GroupSummary> = {};
    for (const name of [...this.families.keys()].sort()) {
      families[name] = this.families.get(name)!.summary();
    }
    return {
      ...this.all.summary(),
      aggregate: {
        nnz_ratio: t.pixelsNonzero / Math.max(t.nnz, 1),
        byte_ratio: (4 * this.#pixels) / Math.max(t.bytes, 1),
      },
      code_size: this.breakdown(),
      errors: this.errors.result(),
      families,
    };
  }
}

/** The part of a {@linkcode MetricsReport} that is not per-image, for merging shards. */
export interface ReportState {
  pixels: number;
  errors: ErrorState;
  gap_counts: number[];
}

/** Summary of one model: stats overall, aggregate ratios, code size, errors, per family. */
export type ModelSummary = GroupSummary & {
  aggregate: { nnz_ratio: number; byte_ratio: number };
  code_size: CodeBreakdown;
  errors: ErrorAggregates | null;
  families: Record<string, GroupSummary>;
};
