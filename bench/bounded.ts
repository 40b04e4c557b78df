/**
 * Error-bounded coder (codec/bounded/) against the zfp CLI in fixed-accuracy mode, same run.
 * Run: deno run -A bench/bounded.ts [--in /tmp/x.ndjson] [--limit 300] [--real /work/shared/real]
 * Images: `deno task generate --n 300 --seed 4242 --out /tmp/x.ndjson` (64×64, no noise).
 * Per image: byte ratio = raw float32 bytes ÷ coded bytes (header included); every decoded
 * pixel is checked against the bound. zfp codes log10 I with tolerance log10(1 + R) (relative
 * bounds) or I with tolerance A (absolute), one image per call; its achieved bound is reported.
 * @module
 */

import { parseArgs } from "node:util";
import {
  decodeBounded,
  encodeBounded,
  type ErrorBound,
  readBoundedHeader,
} from "../codec/bounded/bounded_codec.ts";
import { mulberry32 } from "../pipeline/seeded_random.ts";
import { sigmaTolerance } from "../codec/bounded/sigma_tolerance.ts";
import { zfpAvailable, zfpCompress, zfpDecompress } from "../baselines/zfp.ts";
import { readAllRecords } from "../pipeline/record_stream.ts";

const { values: flags } = parseArgs({
  args: Deno.args,
  options: {
    in: { type: "string", default: "/tmp/x.ndjson" },
    limit: { type: "string", default: "300" },
    real: { type: "string", default: "/work/shared/real" },
  },
});

interface Image {
  data: Float32Array;
  height: number;
  width: number;
}

/** Worst |Î−I| ÷ limit over the pixels (≤ 1 means the bound held). */
function worstShare(x: Float32Array, y: Float32Array, limit: (i: number) => number): number {
  let worst = 0;
  for (let i = 0; i < x.length; i++) {
    const err = Math.abs(y[i] - x[i]);
    const share = err === 0 ? 0 : err / limit(i);
    if (!(share <= worst)) worst = share;
  }
  return worst;
}

/** Pixels with |Î−I| > limit (the bound's own test, no division). */
function violations(x: Float32Array, y: Float32Array, limit: (i: number) => number): number {
  let count = 0;
  for (let i = 0; i < x.length; i++) if (!(Math.abs(y[i] - x[i]) <= limit(i))) count++;
  return count;
}

function median(a: number[]): number {
  const s = [...a].sort((p, q) => p - q);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

function limitOf(bound: ErrorBound, x: Float32Array): (i: number) => number {
  if (bound.kind === "rel") return (i) => bound.r * Math.abs(x[i]);
  if (bound.kind === "abs") return () => bound.a;
  return (i) => bound.tolerance[i];
}

const seconds = { encode: 0, decode: 0 };

/** Codes one image with the bounded coder: ratio, worst share of the bound, mode. */
function bounded(img: Image, bound: ErrorBound) {
  const t0 = performance.now();
  const bytes = encodeBounded(img.data, { height: img.height, width: img.width, bound });
  const t1 = performance.now();
  const tolerance = bound.kind === "pointwise" ? bound.tolerance : undefined;
  const { image, header } = decodeBounded(bytes, { tolerance });
  const t2 = performance.now();
  seconds.encode += (t1 - t0) / 1000;
  seconds.decode += (t2 - t1) / 1000;
  const limit = limitOf(bound, img.data);
  const worst = worstShare(img.data, image, limit);
  const bad = violations(img.data, image, limit);
  const mode = `${header.mode.predictor}/${header.mode.symmetry}`;
  return { bytes: bytes.length, ratio: (4 * img.data.length) / bytes.length, worst, bad, mode };
}

/** Codes one image with zfp -a on log10 I (rel) or I (abs); null when log10 is undefined. */
async function zfp(img: Image, bound: ErrorBound) {
  const x = img.data;
  const log = bound.kind === "rel";
  if (log && x.some((v) => !(v > 0))) return null; // log10 undefined
  if (bound.kind === "pointwise" && bound.tolerance.some((t) => !(t > 0))) return null; // zfp needs a > 0
  const data = log ? x.map((v) => Math.log10(v)) : x;
  const tol = bound.kind === "rel"
    ? Math.log10(1 + bound.r)
    : bound.kind === "abs"
    ? bound.a
    : Math.min(...bound.tolerance);
  const batch = { data, width: img.width, height: img.height };
  const z = await zfpCompress(batch, tol);
  const back = await zfpDecompress(z, { ...batch, count: 1 }, tol);
  const y = log ? back.map((v) => 10 ** v) : back;
  const limit = limitOf(bound, x);
  return {
    ratio: (4 * x.length) / z.length,
    worst: worstShare(x, y, limit),
    bad: violations(x, y, limit),
  };
}

function fmt(v: number, digits = 1): string {
  return v.toFixed(digits);
}

async function readImages(path: string, limit: number): Promise<Image[]> {
  const { header, chunks } = await readAllRecords(path);
  const [height, width] = header.shape;
  const out: Image[] = [];
  for (const c of chunks) {
    const d = c.data as Float32Array;
    for (let k = 0; k < c.count && out.length < limit; k++) {
      out.push({ data: d.slice(k * height * width, (k + 1) * height * width), height, width });
    }
  }
  return out;
}

/** NIST/IGOR QxQy ASCII: two header lines, then `Qx Qy I err` rows; laid out [iy][ix]. */
function parseQxQy(text: string): { image: Image; sigma: Float32Array } {
  const rows = text.split("\n").slice(2).map((l) => l.trim()).filter((l) => l !== "")
    .map((l) => l.split(/\s+/).map(Number));
  const qx = [...new Set(rows.map((r) => r[0]))].sort((a, b) => a - b);
  const qy = [...new Set(rows.map((r) => r[1]))].sort((a, b) => a - b);
  const width = qx.length;
  const height = qy.length;
  const data = new Float32Array(width * height);
  const sigma = new Float32Array(width * height);
  for (const [x, y, i, e] of rows) {
    const at = qy.indexOf(y) * width + qx.indexOf(x);
    data[at] = i;
    sigma[at] = e;
  }
  return { image: { data, height, width }, sigma };
}

const limit = Number(flags.limit);
const images = await readImages(flags.in!, limit);
const haveZfp = await zfpAvailable();
console.log(`${images.length} images of ${images[0].height}×${images[0].width} from ${flags.in}`);
console.log(
  `| bound | bounded median ratio | p10 | min | worst err ÷ bound | pixels over bound | zfp median ratio | zfp worst err ÷ bound | zfp pixels over | anchors (3 000 images) |`,
);
console.log(`|---|---|---|---|---|---|---|---|---|---|`);
const anchors: Record<string, string> = { "0.01": "7.4×", "0.05": "14×", "0.1": "18×" };
const zfpAnchors: Record<string, string> = { "0.01": "5.4×", "0.05": "7.1×", "0.1": "8.1×" };
const modeWins = new Map<string, Map<string, number>>();
const cases: Array<{ name: string; bound: (img: Image) => ErrorBound }> = [
  ...[0.001, 0.01, 0.05, 0.1].map((r) => ({
    name: `R = ${r}`,
    bound: (): ErrorBound => ({ kind: "rel", r }),
  })),
  {
    name: "A = 1e-3·(max − min)",
    bound: (img: Image): ErrorBound => {
      let lo = Infinity;
      let hi = -Infinity;
      for (const v of img.data) [lo, hi] = [Math.min(lo, v), Math.max(hi, v)];
      return { kind: "abs", a: 1e-3 * (hi - lo || 1) };
    },
  },
];
for (const c of cases) {
  const ratios: number[] = [];
  const zfpRatios: number[] = [];
  let worst = 0;
  let zfpWorst = 0;
  let bad = 0;
  let zfpBad = 0;
  const wins = new Map<string, number>();
  for (const img of images) {
    const bound = c.bound(img);
    const b = bounded(img, bound);
    ratios.push(b.ratio);
    worst = Math.max(worst, b.worst);
    bad += b.bad;
    wins.set(b.mode, (wins.get(b.mode) ?? 0) + 1);
    if (haveZfp) {
      const z = await zfp(img, bound);
      if (z !== null) {
        zfpRatios.push(z.ratio);
        zfpWorst = Math.max(zfpWorst, z.worst);
        zfpBad += z.bad;
      }
    }
  }
  modeWins.set(c.name, wins);
  const sorted = [...ratios].sort((p, q) => p - q);
  const r = c.name.startsWith("R = ") ? c.name.slice(4) : "";
  console.log(
    `| ${c.name} | ${fmt(median(ratios))}× | ${fmt(sorted[Math.floor(0.1 * sorted.length)])}× | ${
      fmt(sorted[0])
    }× | ${fmt(worst, 4)} | ${bad} | ${zfpRatios.length ? fmt(median(zfpRatios)) + "×" : "n/a"} | ${
      zfpRatios.length ? `${fmt(zfpWorst, 3)} | ${zfpBad}` : "n/a | n/a"
    } | ${anchors[r] ? `SZ3 ${anchors[r]}, zfp ${zfpAnchors[r]}` : ""} |`,
  );
}
const rawMB = (5 * images.length * 4 * images[0].data.length) / 1e6;
console.log(
  `\nBounded coder speed over those ${
    5 * images.length
  } codings (default greedy mode search): encode ${fmt(rawMB / seconds.encode, 2)} MB/s, decode ${
    fmt(rawMB / seconds.decode, 1)
  } MB/s of raw float32.`,
);
console.log("\nModes chosen (predictor/symmetry: images):");
for (const [name, wins] of modeWins) {
  console.log(
    `- ${name}: ${[...wins].sort((a, b) => b[1] - a[1]).map(([m, n]) => `${m} ${n}`).join(", ")}`,
  );
}

// Greedy (default) against exhaustive mode search: total bytes and time, first 100 images.
for (const r of [0.001, 0.01, 0.1]) {
  const totals = { greedy: 0, exhaustive: 0 };
  const times = { greedy: 0, exhaustive: 0 };
  for (const img of images.slice(0, 100)) {
    for (const search of ["greedy", "exhaustive"] as const) {
      const t0 = performance.now();
      const bound = { kind: "rel", r } as const;
      totals[search] +=
        encodeBounded(img.data, { height: img.height, width: img.width, bound, search })
          .length;
      times[search] += performance.now() - t0;
    }
  }
  console.log(
    `${r === 0.001 ? "\n" : ""}Greedy vs exhaustive search at R = ${r}: ${
      fmt(100 * (totals.greedy / totals.exhaustive - 1), 2)
    } % more bytes, ${fmt(times.exhaustive / times.greedy, 2)}× faster`,
  );
}

// When does an autoencoder-like prediction pay? A synthetic one, I·exp(e·N(0, 1)) per pixel,
// at R = 0.01 (the latent code's own bytes are not counted); the encoder picks with or without.
console.log("\nWith a synthetic prediction I·exp(e·g), g ~ N(0, 1), R = 0.01, first 100 images:");
const rand = mulberry32(4242);
const gauss = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
for (const e of [1e-3, 1e-2, 0.1, 0.7]) {
  const ratios: number[] = [];
  let used = 0;
  for (const img of images.slice(0, 100)) {
    const prediction = img.data.map((v) => v * Math.exp(e * gauss()));
    const opts = { height: img.height, width: img.width, bound: { kind: "rel", r: 0.01 } as const };
    const bytes = encodeBounded(img.data, { ...opts, prediction });
    if (readBoundedHeader(bytes).mode.usePrediction) used++;
    ratios.push((4 * img.data.length) / bytes.length);
  }
  console.log(
    `- e = ${e}: median ${fmt(median(ratios))}×, prediction used on ${used} of 100 images`,
  );
}

// Measured SANS data (optional): σ coded at 1 % relative, then I within K·σ̂-derived bounds.
for (const file of ["33837rear_2D_1.75_16.5_NIST.dat", "P123_D2O_10_percent.dat"]) {
  let text: string;
  try {
    text = await Deno.readTextFile(`${flags.real}/${file}`);
  } catch {
    continue;
  }
  const { image, sigma } = parseQxQy(text);
  const n = image.data.length;
  const sigmaImage = { ...image, data: sigma };
  const s = bounded(sigmaImage, { kind: "rel", r: 0.01 });
  const sigmaBytes = encodeBounded(sigma, {
    height: image.height,
    width: image.width,
    bound: { kind: "rel", r: 0.01 },
  });
  const tol = sigmaTolerance(decodeBounded(sigmaBytes).image, 0.5, 0.01);
  const k = bounded(image, { kind: "pointwise", tolerance: tol });
  const kTrue = worstShare(
    image.data,
    decodeBounded(
      encodeBounded(image.data, {
        height: image.height,
        width: image.width,
        bound: { kind: "pointwise", tolerance: tol },
      }),
      { tolerance: tol },
    ).image,
    (i) => 0.5 * sigma[i],
  );
  const rel = bounded(image, { kind: "rel", r: 0.01 });
  const z = haveZfp ? await zfp(image, { kind: "pointwise", tolerance: tol }) : null;
  console.log(
    `\n${file} (${image.height}×${image.width}): σ at R = 0.01: ${fmt(s.ratio, 2)}× (${s.mode}); ` +
      `I within 0.5·σ: ${fmt(k.ratio, 2)}× (${k.mode}, worst err ÷ 0.5σ ${fmt(kTrue, 4)}), ` +
      `I and σ together ${fmt((8 * n) / (k.bytes + s.bytes), 2)}×; I at R = 0.01: ${
        fmt(rel.ratio, 2)
      }× ` +
      `(${rel.mode}, worst ${fmt(rel.worst, 4)}); pixels over bound ${
        s.bad + k.bad + rel.bad
      }; zfp -a min(0.5σ̂): ${z ? fmt(z.ratio, 2) + "×" : "n/a"}`,
  );
}
