/**
 * Turns what the evaluation collected into the report folder: summary.json, the SVG figures
 * and index.html.
 * @module
 */
import { writeFileAtomic } from "../pipeline/atomic_file.ts";
import type { ModelCodec } from "../codec/model_codec.ts";
import type { Collected } from "./report_sink.ts";
import { zfpBaseline } from "../baselines/zfp_baseline.ts";
import { refineLadder } from "../codec/refine.ts";
import type { SweepResult } from "../baselines/rate_distortion_sweep.ts";
import { examplesFigure, gapFigure, logDensityFigure, rateDistortionFigure } from "./figures.ts";
import { htmlReport } from "./html_report.ts";
import {
  type EpochLine,
  readTrainingLog,
  trainingCurveFigure,
  trainingSummary,
} from "./training_curves.ts";
import type { SUMMARY_METRICS } from "../evaluate/metrics_report.ts";

/** A model as the summary describes it. */
export interface ModelInfo {
  dir: string;
  codec: ModelCodec;
}

/** What goes into the report besides the collected data. */
export interface ReportInputs {
  out: string;
  model: ModelInfo;
  baseline?: ModelInfo;
  source: Record<string, unknown>;
  knnK: number;
  zfp: boolean;
  /** A rate–distortion sweep: sweep.json, rate_distortion.svg and its section. */
  sweep?: SweepResult;
}

/** The sweep's figure in the report folder. */
export const SWEEP_FIGURE = "rate_distortion.svg";

/** Size in bytes of the weight files listed in `dir/model.json`. */
export async function weightsBytes(dir: string): Promise<number> {
  const manifest = JSON.parse(await Deno.readTextFile(`${dir}/model.json`)) as {
    weightsManifest: { paths: string[] }[];
  };
  let total = 0;
  for (const g of manifest.weightsManifest) {
    for (const p of g.paths) total += (await Deno.stat(`${dir}/${p}`)).size;
  }
  return total;
}

async function describeModel(info: ModelInfo): Promise<Record<string, unknown>> {
  const bytes = await weightsBytes(info.dir);
  const o = info.codec.options;
  return {
    dir: info.dir,
    architecture: info.codec.model.arch,
    image_shape: info.codec.model.meta.image_shape,
    weights_bytes: bytes,
    parameters: bytes / 4,
    quant: o.quant,
    threshold: o.threshold,
    gap_model: info.codec.gapModel.kind,
    refine: info.codec.refine ?? null,
    isotropy: info.codec.isotropy,
  };
}

/** Writes summary.json, figures and index.html into `inputs.out`; returns the summary. */
export async function writeReport(
  c: Collected,
  inputs: ReportInputs,
): Promise<Record<string, unknown>> {
  const { n, ...metrics } = c.model.summary();
  const summary: Record<string, unknown> = {
    n,
    source: inputs.source,
    model: await describeModel(inputs.model),
    ...metrics,
  };
  const refined = inputs.model.codec.refineStats;
  if (refined.images > 0) {
    // What refinement did in this run (a merge of shards has the settings only).
    summary.refinement = {
      images: refined.images,
      improved: refined.improved,
      mean_error_before: refined.errorBefore / refined.images,
      mean_error_after: refined.errorAfter / refined.images,
      ...(refined.rungs
        ? {
          within_target: refined.withinTarget ?? 0,
          images_per_rung: Object.fromEntries(
            refineLadder(inputs.model.codec.refine!.nonzeros).map((k, i) => [k, refined.rungs![i]]),
          ),
        }
        : {}),
    };
  }
  if (inputs.model.codec.isotropy) summary.isotropic_images = inputs.model.codec.isotropicImages;
  if (c.knn) {
    const t0 = performance.now();
    summary.knn = {
      k: inputs.knnK,
      ...c.knn.describe(),
      labels: "SAS model family (label.model)",
      latent_space: "latent ẑ decoded from the code bytes",
      image_space:
        `the model's network input (transform ${inputs.model.codec.model.transform.kind})`,
      latent_accuracy: c.knn.accuracy("latent", inputs.knnK),
      image_accuracy: c.knn.accuracy("image", inputs.knnK),
      seconds: +((performance.now() - t0) / 1000).toFixed(2),
    };
  }
  summary.baselines = await baselines(c, inputs);
  if (inputs.sweep) {
    summary.sweep = { ...inputs.sweep, figure: SWEEP_FIGURE };
    await writeFileAtomic(
      `${inputs.out}/sweep.json`,
      JSON.stringify(summary.sweep, null, 2) + "\n",
    );
    await writeFileAtomic(`${inputs.out}/${SWEEP_FIGURE}`, rateDistortionFigure(inputs.sweep));
  }
  const log = await readTrainingLog(inputs.model.dir);
  if (log) summary.training = trainingSummary(log);
  summary.figures = await writeFigures(c, inputs, log);
  await writeFileAtomic(`${inputs.out}/summary.json`, JSON.stringify(summary, null, 2) + "\n");
  await writeFileAtomic(`${inputs.out}/index.html`, htmlReport(summary));
  return summary;
}

async function baselines(c: Collected, inputs: ReportInputs) {
  const out: Record<string, unknown> = { gzip: c.gzip.result() };
  if (inputs.baseline && c.baseline) {
    out.hourglass = { model: await describeModel(inputs.baseline), ...c.baseline.summary() };
  }
  if (inputs.zfp) {
    const count = c.zfpModelErrors.length;
    const n = inputs.model.codec.model.arch.n;
    const target = c.zfpModelErrors.reduce((a, b) => a + b, 0) / Math.max(count, 1);
    const shape = inputs.model.codec.model.meta.image_shape;
    // Tuned and measured on the first images only: zfp needs whole batches in memory.
    out.zfp = await zfpBaseline(c.zfpImages.subarray(0, count * n), shape, target);
  }
  return out;
}

async function writeFigures(
  c: Collected,
  inputs: ReportInputs,
  log: EpochLine[] | null,
): Promise<string[]> {
  const named = (metric: (typeof SUMMARY_METRICS)[number]) => {
    const s = [{ name: "sparse AE", values: c.model.values(metric) }];
    if (c.baseline) s.push({ name: "hourglass", values: c.baseline.values(metric) });
    return s;
  };
  const figures: Record<string, string> = {
    "error_pdf.svg": logDensityFigure(
      named("rel_l2"),
      "Relative L2 error per image",
      "‖x̂ − x‖₂ / ‖x‖₂",
    ),
    "rms_error_pdf.svg": logDensityFigure(
      named("rms_rel"),
      "RMS pointwise relative error per image",
      "√(meanᵢ ((x̂ᵢ − xᵢ) / xᵢ)²)",
    ),
    "max_error_pdf.svg": logDensityFigure(
      named("max_pointwise_rel"),
      "Maximum pointwise relative error per image",
      "maxᵢ |x̂ᵢ − xᵢ| / |xᵢ|",
    ),
    "ratio_pdf.svg": logDensityFigure(
      [
        { name: "‖x‖₀/‖f(z)‖₀", values: c.model.values("nnz_ratio") },
        { name: "byte ratio", values: c.model.values("byte_ratio") },
      ],
      "Compression ratio per image",
      "ratio",
    ),
    "gap_distribution.svg": gapFigure(c.model.gapCounts, inputs.model.codec.gapModel),
    "examples.svg": await examplesFigure(c.examples, inputs.model.codec.model.meta.image_shape),
  };
  if (log && log.length > 0) figures["training_curves.svg"] = trainingCurveFigure(log);
  for (const [name, svg] of Object.entries(figures)) {
    await writeFileAtomic(`${inputs.out}/${name}`, svg);
  }
  return Object.keys(figures);
}
