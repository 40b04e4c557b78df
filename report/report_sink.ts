/**
 * The end of the evaluation pipeline: writes one JSON line per image to `images.ndjson` and
 * feeds the accumulators (metrics, k-NN splits, examples, baseline samples) in bounded memory.
 * @module
 */
import { atomicWritable } from "../pipeline/atomic_file.ts";
import type { ModelCodec } from "../codec/model_codec.ts";
import type { Progress } from "../pipeline/progress.ts";
import type { ImageMetrics } from "../evaluate/image_metrics.ts";
import type { BatchResult, EvaluatedBatch } from "../evaluate/evaluate_stream.ts";
import { MetricsReport } from "../evaluate/metrics_report.ts";
import { KnnSplit } from "../evaluate/knn_split.ts";
import { GzipCounter } from "../baselines/gzip_counter.ts";
import type { Example } from "./figures.ts";

/** What the sink keeps besides images.ndjson. */
export interface SinkOptions {
  /** Sizes of the k-NN splits; absent = no k-NN. */
  knn?: { train: number; test: number };
  /** Images kept for the zfp baseline (0 = none). */
  zfpSample: number;
  /** Example images kept for the figure. */
  examples: number;
  /** Images kept for the rate–distortion sweep (default 0 = none). */
  sweepSample?: number;
  progress?: Progress;
}

/** Everything collected over the run. */
export class Collected {
  readonly model: MetricsReport;
  readonly baseline?: MetricsReport;
  readonly knn?: KnnSplit;
  readonly gzip = new GzipCounter();
  readonly examples: Example[] = [];
  /** Intensities of the first images, for zfp, and the model's rel. L2 error on them. */
  zfpImages: Float32Array;
  zfpModelErrors: number[] = [];
  /** The first images, for the rate–distortion sweep, as copied from their batches. */
  readonly sweepParts: Float32Array[] = [];
  readonly sweepLimit: number;

  constructor(codec: ModelCodec, baseline: ModelCodec | undefined, o: SinkOptions) {
    const { n, ell } = codec.model.arch;
    this.model = new MetricsReport(ell);
    if (baseline) this.baseline = new MetricsReport(baseline.model.arch.ell);
    if (o.knn) this.knn = new KnnSplit(o.knn.train, o.knn.test, { latent: ell, image: n });
    this.zfpImages = new Float32Array(o.zfpSample * n);
    this.sweepLimit = o.sweepSample ?? 0;
  }

  /** The images kept for the sweep, [count × n]. */
  sweepImages(): Float32Array {
    const out = new Float32Array(this.sweepParts.reduce((a, p) => a + p.length, 0));
    this.sweepParts.reduce((at, p) => (out.set(p, at), at + p.length), 0);
    return out;
  }
}

/** Writes per-image metrics to `path` and collects the rest into `collected`. */
export class ReportSink extends WritableStream<EvaluatedBatch> {
  readonly collected: Collected;

  constructor(path: string, codec: ModelCodec, baseline: ModelCodec | undefined, o: SinkOptions) {
    const c = new Collected(codec, baseline, o);
    const encoder = new TextEncoder();
    const n = codec.model.arch.n;
    const families = new Set<string>();
    const file = atomicWritable(path).getWriter();
    super({
      async start() {
        await file.ready;
      },
      async write(batch) {
        const families_ = batch.labels.map((l) => String(l?.model ?? "unknown"));
        let text = "";
        for (let i = 0; i < batch.count; i++) {
          text += imageLine(batch, i, families_[i]) + "\n";
        }
        await file.write(encoder.encode(text));
        c.model.add(batch.labels, batch.images, batch.model);
        if (batch.baseline) c.baseline!.add(batch.labels, batch.images, batch.baseline);
        if (c.knn && !c.knn.full) {
          c.knn.add(families_, batch.model.latents, codec.model.toNetwork(batch.images));
        }
        keepExamples(c, batch, families, o.examples, codec.model.arch);
        keepZfpSample(c, batch, n);
        keepSweepSample(c, batch, n);
        await c.gzip.add(batch.images);
        o.progress?.add(batch.count);
      },
      async close() {
        await file.close();
      },
      async abort(reason) {
        await file.abort(reason);
      },
    });
    this.collected = c;
  }
}

function metricsJson(m: ImageMetrics): Record<string, number> {
  return { ...m };
}

function imageLine(batch: EvaluatedBatch, i: number, family: string): string {
  const label = batch.labels[i] ?? {};
  const line: Record<string, unknown> = {
    i: batch.first + i,
    model: family,
    index: label.index ?? null,
    ...metricsJson(batch.model.metrics[i]),
  };
  if (batch.model.isotropic) line.isotropic = batch.model.isotropic[i] === 1;
  if (batch.baseline) line.baseline = metricsJson(batch.baseline.metrics[i]);
  return JSON.stringify(line);
}

/** Keeps the first images and the first image of each new family, `limit` in all. */
function keepExamples(
  c: Collected,
  batch: EvaluatedBatch,
  seen: Set<string>,
  limit: number,
  arch: { n: number; ell: number },
): void {
  const { n, ell } = arch;
  const r: BatchResult = batch.model;
  for (let i = 0; i < batch.count && c.examples.length < limit; i++) {
    const family = String(batch.labels[i]?.model ?? "unknown");
    if (seen.has(family) && batch.first + i >= limit) continue;
    seen.add(family);
    c.examples.push({
      index: batch.first + i,
      label: batch.labels[i] ?? {},
      relL2: r.metrics[i].rel_l2,
      image: batch.images.slice(i * n, (i + 1) * n),
      reconstruction: r.reconstruction.slice(i * n, (i + 1) * n),
      latent: r.latents.slice(i * ell, (i + 1) * ell),
    });
  }
}

function keepZfpSample(c: Collected, batch: EvaluatedBatch, n: number): void {
  const room = c.zfpImages.length / n - c.zfpModelErrors.length;
  const take = Math.min(room, batch.count);
  if (take <= 0) return;
  c.zfpImages.set(batch.images.subarray(0, take * n), c.zfpModelErrors.length * n);
  for (let i = 0; i < take; i++) c.zfpModelErrors.push(batch.model.metrics[i].rel_l2);
}

function keepSweepSample(c: Collected, batch: EvaluatedBatch, n: number): void {
  const have = c.sweepParts.reduce((a, p) => a + p.length / n, 0);
  const take = Math.min(c.sweepLimit - have, batch.count);
  if (take > 0) c.sweepParts.push(batch.images.slice(0, take * n));
}
