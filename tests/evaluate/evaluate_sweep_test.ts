import "../fixtures/tfjs_setup.ts";
import assert from "node:assert/strict";
import { makeChunk, makeHeader } from "../../pipeline/record_format.ts";
import { writeRecords } from "../../pipeline/record_stream.ts";
import { encodeBounded } from "../../codec/bounded/bounded_codec.ts";
import { joinBoundedCode } from "../../codec/bounded_records.ts";
import { zfpAvailable } from "../../baselines/zfp.ts";
import { sz3Available } from "../../baselines/sz3.ts";
import { sasImages, trainTiny } from "../fixtures/sas_images.ts";
import { task } from "../fixtures/run_task.ts";

const dir = await Deno.makeTempDir();
const COUNT = 24;
// An odd sweep size: the median is one image's value, so it compares exactly.
const SWEEP_N = 21;
const BOUNDS = [0.001, 0.01, 0.05, 0.1];
const images = sasImages(COUNT, 8, 7);

await trainTiny(images, `${dir}/model`, 4);
const labels = Array.from({ length: COUNT }, (_, i) => ({ index: i, model: "guinier" }));
await writeRecords(`${dir}/in.ndjson`, makeHeader([8, 8]), [
  makeChunk([8, 8], images, labels),
]);
const common = ["--model", `${dir}/model`, "--data", `${dir}/in.ndjson`, "--batch", "5"];

type Point = Record<string, number | string | null | undefined>;

/** The middle value of an odd number of values. */
function middle(values: number[]): number {
  assert.equal(values.length % 2, 1);
  return [...values].sort((a, b) => a - b)[(values.length - 1) / 2];
}

Deno.test("evaluate --sweep writes sweep.json, rate_distortion.svg and its section, every bound kept", async () => {
  const out = `${dir}/report`;
  const r = await task(
    "evaluate",
    ...common,
    "--sweep",
    "--sweep-n",
    String(SWEEP_N),
    "--out",
    out,
  );
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /rate–distortion: \d+ configurations on 21 images → .*sweep\.json/);
  const sweep = JSON.parse(await Deno.readTextFile(`${out}/sweep.json`));
  const summary = JSON.parse(await Deno.readTextFile(`${out}/summary.json`));
  assert.deepEqual(summary.sweep, sweep);
  assert.equal(sweep.images, SWEEP_N);
  assert.deepEqual([sweep.bounds, sweep.thresholds], [BOUNDS, [0, 0.05, 0.2]]);
  const points: Point[] = sweep.points;
  const zfp = await zfpAvailable();
  const sz3 = await sz3Available();
  const find = (coder: string, key: "bound" | "threshold", v: number) => {
    const p = points.find((q) => q.coder === coder && q[key] === v);
    assert.ok(p, `${coder} at ${key} ${v}`);
    return p;
  };
  for (const t of [0, 0.05, 0.2]) assert.equal(find("ae", "threshold", t).images, SWEEP_N);
  for (const coder of ["bounded", "bounded_ae"]) {
    const ratios = BOUNDS.map((b) => find(coder, "bound", b)).map((p) => {
      assert.equal(p.pixels_over_bound, 0, `${coder} at R = ${p.bound}`);
      assert.ok((p.max_max_rel as number) <= (p.bound as number) * (1 + 1e-12));
      return p.median_ratio as number;
    });
    // A looser bound never costs more bytes on these images.
    for (let i = 1; i < ratios.length; i++) assert.ok(ratios[i] >= ratios[i - 1], `${ratios}`);
  }
  if (zfp) { for (const b of BOUNDS) assert.equal(find("zfp", "bound", b).images, SWEEP_N); }
  else assert.match(sweep.notes.join(" "), /zfp/);
  if (sz3) { for (const b of BOUNDS) assert.equal(find("sz3", "bound", b).images, SWEEP_N); }
  else assert.match(sweep.notes.join(" "), /SZ3: no `sz3` CLI on PATH, skipped/);
  const baselines = (zfp ? 1 : 0) + (sz3 ? 1 : 0);
  assert.equal(points.length, 3 + BOUNDS.length * (2 + baselines));
  assert.ok(
    (find("ae", "threshold", 0.2).median_ratio as number) >=
      (find("ae", "threshold", 0).median_ratio as number),
  );

  // Model-free bounded at R = 0.01, recomputed image by image.
  const direct = Array.from({ length: SWEEP_N }, (_, k) => {
    const image = images.subarray(k * 64, (k + 1) * 64);
    const stream = encodeBounded(image, { height: 8, width: 8, bound: { kind: "rel", r: 0.01 } });
    return 256 / joinBoundedCode(new Uint8Array(0), stream).length;
  });
  assert.equal(find("bounded", "bound", 0.01).median_ratio, middle(direct));
  // The AE alone at the evaluation's own threshold (0) sees the evaluation's code bytes.
  const lines = (await Deno.readTextFile(`${out}/images.ndjson`)).trim().split("\n");
  const evaluated = lines.slice(0, SWEEP_N).map((l) => JSON.parse(l).byte_ratio as number);
  assert.equal(find("ae", "threshold", 0).median_ratio, middle(evaluated));

  const svg = await Deno.readTextFile(`${out}/rate_distortion.svg`);
  assert.equal(svg.match(/<path /g)?.length, 3 + baselines);
  assert.doesNotMatch(svg, /NaN|Infinity/);
  const html = await Deno.readTextFile(`${out}/index.html`);
  assert.match(html, /<img src="rate_distortion\.svg"/);
  assert.match(html, /bounded, model-free<\/td><td>R = 0\.01<\/td>/);
});

Deno.test("evaluate --sweep-coders runs only the coders named, in the report's order", async () => {
  const out = `${dir}/coders`;
  const r = await task(
    "evaluate",
    ...common,
    "--sweep",
    "--sweep-n",
    "5",
    "--sweep-bounds",
    "0.05",
    "--sweep-coders",
    "bounded,ae",
    "--sweep-thresholds",
    "0.1",
    "--out",
    out,
  );
  assert.equal(r.code, 0, r.stderr);
  const sweep = JSON.parse(await Deno.readTextFile(`${out}/sweep.json`));
  const points: Point[] = sweep.points;
  assert.deepEqual(points.map((p) => [p.coder, p.threshold ?? p.bound]), [
    ["ae", 0.1],
    ["bounded", 0.05],
  ]);
  assert.equal(points[1].pixels_over_bound, 0);
  assert.match(sweep.notes.join(" "), /coders run: bounded, ae \(--sweep-coders\)/);
  assert.doesNotMatch(sweep.notes.join(" "), /zfp|SZ3/);
});

Deno.test("evaluate --sweep refuses bad lists, --sweep-n 0 and --shard in one line", async () => {
  for (
    const [flags, message] of [
      [["--sweep", "--sweep-bounds", "0,-1"], /--sweep-bounds must be a comma-separated list/],
      [["--sweep", "--sweep-thresholds", "0,,1"], /--sweep-thresholds must be/],
      [["--sweep", "--sweep-n", "0"], /--sweep-n must be ≥ 1/],
      [["--sweep", "--shard", "1/2"], /--shard does not combine with .*--sweep/],
      [["--sweep-bounds", "0.01"], /--sweep-bounds needs --sweep/],
      [["--sweep", "--sweep-coders", "bounded,sz4"], /--sweep-coders: unknown coder "sz4"/],
      [["--sweep-coders", "bounded"], /--sweep-coders needs --sweep/],
    ] as const
  ) {
    const r = await task("evaluate", ...common, ...flags, "--out", `${dir}/bad`);
    assert.equal(r.code, 1, flags.join(" "));
    assert.equal(r.stderr.split("\n").length, 1, r.stderr);
    assert.match(r.stderr, message);
  }
});
