/**
 * The report's figures after arXiv 2405.14270: error and ratio densities (Fig. 4), the gap
 * distribution ρ(δ) of the codes against the Gaussian model (Fig. 5) and example inputs,
 * reconstructions and latents (Fig. 3). Each returns a standalone SVG document.
 * @module
 */
import { MAX_TOTAL } from "../codec/range_coder.ts";
import type { GapModel } from "../codec/gap_model.ts";
import type { ImageLabel } from "../pipeline/record_format.ts";
import {
  SWEEP_CODERS,
  type SweepCoder,
  type SweepResult,
} from "../baselines/rate_distortion_sweep.ts";
import { colorize, encodePng } from "./png_image.ts";
import { densityHistogram, escapeXml, linePlot, type LineSeries, svgDocument } from "./svg_plot.ts";

/** Per-image values of one compressor, for density plots. */
export interface NamedValues {
  name: string;
  values: ArrayLike<number>;
}

const COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e"];

/** Density of log10(values) of each series on shared bins (values ≤ 0 are left out). */
export function logDensityFigure(series: NamedValues[], title: string, xLabel: string): string {
  const logs = series.map((s) => Array.from(s.values, (v) => (v > 0 ? Math.log10(v) : NaN)));
  let lo = Infinity, hi = -Infinity;
  for (const l of logs) {
    for (const v of l) if (Number.isFinite(v)) lo = Math.min(lo, v), hi = Math.max(hi, v);
  }
  if (!(lo <= hi)) lo = 0, hi = 1;
  if (lo === hi) lo -= 0.5, hi += 0.5;
  const bins = Math.max(10, Math.min(60, Math.round(Math.sqrt(logs[0]?.length ?? 10))));
  const lines: LineSeries[] = logs.map((l, i) => {
    const { x, y } = densityHistogram(l, lo, hi, bins);
    return { name: series[i].name, x, y, color: COLORS[i % COLORS.length], style: "steps" };
  });
  return linePlot(lines, { title, xLabel, yLabel: "density (per decade)", log10xLabels: true });
}

/** ρ(δ) of the codes (from `gapCounts[δ]`) against the paper's Gaussian and the codec's model. */
export function gapFigure(gapCounts: Float64Array, codecModel: GapModel, sigma2 = 1e3): string {
  let total = 0, last = 1;
  for (let d = 1; d < gapCounts.length; d++) if (gapCounts[d] > 0) total += gapCounts[d], last = d;
  const deltas = Array.from({ length: last }, (_, i) => i + 1);
  // arXiv 2405.14270 gap model: ρ(δ) ∝ exp(−δ²/2σ²) on δ ≥ 1, σ² = 1e3, normalized here.
  let z = 0;
  for (let d = 1; d <= 20 * Math.sqrt(sigma2); d++) z += Math.exp(-(d * d) / (2 * sigma2));
  const series: LineSeries[] = [
    {
      name: "codes (measured)",
      x: deltas,
      y: deltas.map((d) => gapCounts[d] / (total || 1)),
      color: COLORS[0],
      style: "points",
    },
    {
      name: `Gaussian σ²=${sigma2}`,
      x: deltas,
      y: deltas.map((d) => Math.exp(-(d * d) / (2 * sigma2)) / z),
      color: COLORS[1],
    },
  ];
  if (codecModel.kind !== "gaussian") {
    const cum = codecModel.cumFreq;
    const y = deltas.map((d) => (d <= codecModel.maxGap ? (cum[d + 1] - cum[d]) / MAX_TOTAL : NaN));
    series.push({ name: `codec model (${codecModel.kind})`, x: deltas, y, color: COLORS[2] });
  }
  return linePlot(series, {
    title: "Gap distribution ρ(δ) of the sparse codes",
    xLabel: "gap δ",
    yLabel: "ρ(δ)",
    logY: true,
  });
}

/**
 * Rate–distortion on log-log axes: the median byte ratio against the median max pointwise
 * relative error, one curve per coder of the sweep (coders without a point are left out).
 */
export function rateDistortionFigure(sweep: SweepResult): string {
  const coders = Object.keys(SWEEP_CODERS) as SweepCoder[];
  const series: LineSeries[] = coders.flatMap((coder, i) => {
    const points = sweep.points.filter((p) =>
      p.coder === coder && p.median_max_rel! > 0 && p.median_ratio! > 0
    );
    if (points.length === 0) return [];
    const x = points.map((p) => Math.log10(p.median_max_rel!));
    const y = points.map((p) => p.median_ratio!);
    return [{ name: SWEEP_CODERS[coder], x, y, color: COLORS[i], markers: true }];
  });
  return linePlot(series, {
    title: `Rate–distortion on ${sweep.images} images`,
    xLabel: "median over images of maxᵢ |x̂ᵢ − xᵢ| / |xᵢ|",
    yLabel: "median byte ratio (float32 / code)",
    logY: true,
    log10xLabels: true,
    width: 560,
    legend: "top-left",
  });
}

/** One example for Fig. 3: input, reconstruction and decoded latent. */
export interface Example {
  /** Global index of the image in the evaluated stream. */
  index: number;
  label: ImageLabel;
  relL2: number;
  image: Float32Array;
  reconstruction: Float32Array;
  latent: Float32Array;
}

/** Rows of input / reconstruction (log10 intensity, shared scale per row) / latent stem plot. */
export async function examplesFigure(examples: Example[], shape: number[]): Promise<string> {
  const [h, w] = shape.length === 2 ? shape : [1, shape[0]];
  const side = 140, rowH = side + 34, plotW = 360, width = 20 + 2 * (side + 14) + plotW + 20;
  let body = "";
  for (let k = 0; k < examples.length; k++) {
    const e = examples[k];
    const y = 10 + k * rowH;
    const a = logImage(e.image), b = logImage(e.reconstruction);
    let lo = Infinity, hi = -Infinity;
    for (const v of a) if (Number.isFinite(v)) lo = Math.min(lo, v), hi = Math.max(hi, v);
    body += `<text x="20" y="${y + 12}">${
      escapeXml(
        `${e.label.model ?? "?"} #${e.label.index ?? k}` +
          ` · rel. L2 error ${e.relL2.toExponential(2)} · log10 I ∈ [${lo.toFixed(1)}, ${
            hi.toFixed(1)
          }]`,
      )
    }</text>\n`;
    const imgs = [[a, "input"], [b, "reconstruction"]] as const;
    for (let j = 0; j < 2; j++) {
      const png = await encodePng(colorize(imgs[j][0], lo, hi), w, h);
      const x = 20 + j * (side + 14);
      body +=
        `<image x="${x}" y="${
          y + 20
        }" width="${side}" height="${side}" preserveAspectRatio="none" ` +
        `style="image-rendering:pixelated" href="data:image/png;base64,${png.toBase64()}"/>` +
        `<text x="${x}" y="${y + side + 32}" fill="#555">${imgs[j][1]}</text>\n`;
    }
    body += latentStems(e.latent, 20 + 2 * (side + 14), y + 20, plotW, side);
  }
  return svgDocument(width, 20 + examples.length * rowH, body);
}

function logImage(values: Float32Array): Float64Array {
  let floor = Infinity;
  for (const v of values) if (v > 0 && v < floor) floor = v;
  return Float64Array.from(values, (v) => Math.log10(Math.max(v, floor)));
}

function latentStems(z: Float32Array, x: number, y: number, w: number, h: number): string {
  let max = 0, nnz = 0;
  for (const v of z) max = Math.max(max, Math.abs(v)), nnz += v !== 0 ? 1 : 0;
  let s = `<rect x="${x}" y="${y}" width="${w}" height="${h}" fill="none" stroke="#444"/>`;
  const base = y + h;
  for (let i = 0; i < z.length; i++) {
    if (z[i] === 0) continue;
    const px = (x + ((i + 0.5) / z.length) * w).toFixed(1);
    const top = (base - (Math.abs(z[i]) / (max || 1)) * (h - 4)).toFixed(1);
    s += `<line x1="${px}" x2="${px}" y1="${base}" y2="${top}" stroke="${
      z[i] > 0 ? COLORS[0] : COLORS[1]
    }"/>`;
  }
  return s +
    `\n<text x="${x}" y="${y + h + 12}" fill="#555">decoded latent ẑ: ${nnz} of ${z.length} ` +
    `entries non-zero, |ẑ| ≤ ${max.toPrecision(3)}</text>\n`;
}
