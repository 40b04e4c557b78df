import assert from "node:assert/strict";
import { crc32 } from "node:zlib";
import { encodePng } from "../../report/png_image.ts";
import { densityHistogram, linePlot, niceTicks } from "../../report/svg_plot.ts";
import { gaussianGapModel } from "../../codec/gap_model.ts";
import { gapFigure, logDensityFigure, rateDistortionFigure } from "../../report/figures.ts";
import type { SweepPoint } from "../../baselines/rate_distortion_sweep.ts";

Deno.test("encodePng writes valid chunks whose IDAT inflates to filter-0 scanlines", async () => {
  const rgb = Uint8Array.from({ length: 2 * 3 * 3 }, (_, i) => i * 10);
  const png = await encodePng(rgb, 3, 2);
  assert.deepEqual(Array.from(png.subarray(0, 8)), [137, 80, 78, 71, 13, 10, 26, 10]);
  const view = new DataView(png.buffer);
  const chunks: Record<string, Uint8Array> = {};
  for (let at = 8; at < png.length;) {
    const len = view.getUint32(at);
    const type = new TextDecoder().decode(png.subarray(at + 4, at + 8));
    assert.equal(
      view.getUint32(at + 8 + len),
      crc32(png.subarray(at + 4, at + 8 + len)) >>> 0,
      type,
    );
    chunks[type] = png.subarray(at + 8, at + 8 + len);
    at += 12 + len;
  }
  assert.deepEqual(Object.keys(chunks), ["IHDR", "IDAT", "IEND"]);
  const raw = new Uint8Array(
    await new Response(
      new Blob([chunks.IDAT.slice()]).stream().pipeThrough(new DecompressionStream("deflate")),
    ).arrayBuffer(),
  );
  assert.deepEqual(Array.from(raw), [0, ...rgb.subarray(0, 9), 0, ...rgb.subarray(9)]);
});

Deno.test("density histogram integrates to one; ticks are round numbers", () => {
  const { x, y } = densityHistogram([0.1, 0.2, 0.3, 0.9, 1.0], 0, 1, 4);
  let area = 0;
  for (let b = 0; b < 4; b++) area += y[b] * (x[b + 1] - x[b]);
  assert.ok(Math.abs(area - 1) < 1e-12);
  assert.deepEqual(niceTicks(0, 1, 5), [0, 0.2, 0.4, 0.6, 0.8, 1]);
  assert.deepEqual(niceTicks(-2.3, -0.9, 3), [-2, -1.5, -1]);
});

Deno.test("figures are standalone SVG documents and survive empty or constant data", () => {
  for (
    const svg of [
      logDensityFigure([{ name: "a", values: [] }], "t", "x"),
      logDensityFigure([{ name: "a", values: [1, 1, 1] }], "t", "x"),
      gapFigure(new Float64Array(10), gaussianGapModel()),
      linePlot([{ name: "<&>", x: [1, 2], y: [3, 4], color: "red" }], {
        title: "t",
        xLabel: "x",
        yLabel: "y",
      }),
    ]
  ) {
    assert.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"[^]*<\/svg>\n$/);
    assert.doesNotMatch(svg, /NaN|Infinity/);
  }
});

Deno.test("rateDistortionFigure draws one marked curve per coder with a plottable point", () => {
  const point = (coder: SweepPoint["coder"], bound: number, error: number | null, ratio: number) =>
    ({ coder, bound, median_max_rel: error, median_ratio: ratio }) as SweepPoint;
  const svg = rateDistortionFigure({
    images: 3,
    shape: [8, 8],
    bounds: [0.01, 0.1],
    thresholds: [],
    x_metric: "median_max_rel",
    notes: [],
    points: [
      point("bounded", 0.01, 0.009, 10),
      point("bounded", 0.1, 0.09, 20),
      point("bounded_ae", 0.01, 0.009, 11),
      // Every zfp image skipped, and a lossless point: nothing to draw on log axes.
      point("zfp", 0.01, null, 3),
      point("zfp", 0.1, 0, 4),
    ],
  });
  assert.equal(svg.match(/<path /g)?.length, 2);
  assert.equal(svg.match(/<circle /g)?.length, 3);
  assert.match(svg, /bounded, model-free/);
  assert.doesNotMatch(svg, /zfp|NaN|Infinity/);
});
