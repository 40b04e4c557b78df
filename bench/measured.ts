/**
 * Measured files (issue 8): sasquash's measurement `.sqz` against zfp (and SZ3, when `sz3` is on
 * PATH, coded the same way with `-M ABS`) at the same bounds, on every `.h5`/`.dat` in
 * `../shared/real/` (or --real DIR).
 * Run: deno run -A bench/measured.ts [--real ../shared/real]
 * sasquash: the whole `.sqz` (I, err(I) at 1 %, q grid and mask exact, metadata). zfp (CLI, -a):
 * I at K·err(I) with tolerance K·min err(I) over pixels with err(I) > 0, or log10 I with
 * tolerance log10(1 + R) for R; err(I) as log10 err(I) at log10(1.01); pixels where the log or a
 * positive tolerance is undefined (I ≤ 0, err(I) = 0) counted as stored raw (4 B value + 4 B
 * index). Ratio = 8 B per pixel (float32 I and err(I)) ÷ bytes; the file ratio uses the file.
 * @module
 */

import { parseArgs } from "node:util";
import { compressMeasurement, decompressMeasurement } from "../codec/measurement_record.ts";
import type { MeasurementBound } from "../codec/measurement_record.ts";
import { zfpAvailable, zfpCompress, zfpDecompress } from "../baselines/zfp.ts";
import { sz3Available, sz3OrRaw } from "../baselines/sz3.ts";
import { readMeasurement } from "../pipeline/measurement_file.ts";
import type { Measurement } from "../pipeline/measurement.ts";

const { values: flags } = parseArgs({
  args: Deno.args,
  options: {
    real: { type: "string", default: new URL("../../shared/real", import.meta.url).pathname },
  },
});

const limitOf = (m: Measurement, b: MeasurementBound) => (i: number) =>
  b.kind === "sigma"
    ? b.k * Math.abs(m.sigma![i])
    : b.kind === "rel"
    ? b.r * Math.abs(m.intensity[i])
    : b.a;

/** Worst |Î−I| ÷ limit and pixels over it. */
function score(m: Measurement, out: ArrayLike<number>, limit: (i: number) => number) {
  let worst = 0, over = 0;
  for (let i = 0; i < out.length; i++) {
    const err = Math.abs(out[i] - m.intensity[i]);
    if (!(err <= limit(i))) over++;
    const share = err === 0 ? 0 : err / limit(i);
    if (!(share <= worst)) worst = share;
  }
  return { worst, over };
}

/** An absolute-error coder of one float32 image: its code and what a decoder gets. */
type Coder = (
  data: Float32Array,
  m: Measurement,
  tol: number,
) => Promise<{ code: Uint8Array; decoded: Float32Array }>;

const zfpCoder: Coder = async (data, m, tol) => {
  const batch = { data, width: m.width, height: m.height };
  const code = await zfpCompress(batch, tol);
  return { code, decoded: await zfpDecompress(code, { ...batch, count: 1 }, tol) };
};

const sz3Coder: Coder = async (data, m, tol) => {
  const out = await sz3OrRaw(data, m.width, m.height, tol);
  if (out.raw) console.error(`SZ3 aborted on ${m.provenance.file} at ${tol}: stored raw`);
  return out;
};

/** `coder` of values (log10 when `log`) at `tol`; undefined pixels filled and counted as raw. */
async function channel(
  coder: Coder,
  values: Float64Array,
  m: Measurement,
  tol: number,
  log: boolean,
) {
  const defined = (v: number) => (log ? v > 0 : true);
  const fill = log ? Math.log10(Math.min(...values.filter((v) => v > 0))) : 0;
  const data = Float32Array.from(values, (v) => (defined(v) ? (log ? Math.log10(v) : v) : fill));
  const { code, decoded } = await coder(data, m, tol);
  let raw = 0;
  const out = Float64Array.from(decoded, (v, i) => {
    if (!defined(values[i])) return (raw++, values[i]);
    return log ? 10 ** v : v;
  });
  return { bytes: code.length + 8 * raw, out, raw };
}

async function baselineAt(coder: Coder, m: Measurement, b: MeasurementBound) {
  const sigma = await channel(coder, m.sigma!, m, Math.log10(1.01), true);
  let image: { bytes: number; out: Float64Array; raw: number };
  if (b.kind === "sigma") {
    const minSigma = Math.min(...m.sigma!.filter((s) => s > 0));
    image = await channel(coder, m.intensity, m, b.k * minSigma, false);
    // pixels with err(I) = 0 need I exactly: stored raw
    const zero = m.sigma!.filter((s) => s === 0).length;
    m.sigma!.forEach((s, i) => {
      if (s === 0) image.out[i] = m.intensity[i];
    });
    image.bytes += 8 * zero;
  } else {
    image = await channel(
      coder,
      m.intensity,
      m,
      b.kind === "rel" ? Math.log10(1 + b.r) : b.a,
      b.kind === "rel",
    );
  }
  return { bytes: image.bytes + sigma.bytes, ...score(m, image.out, limitOf(m, b)) };
}

const fmt = (v: number, d = 2) => v.toFixed(d);
const files = [...Deno.readDirSync(flags.real)].map((e) => e.name)
  .filter((n) => /\.(h5|dat)$/.test(n)).sort();
const baselines = [
  ...(await zfpAvailable() ? [["zfp", zfpCoder] as const] : []),
  ...(await sz3Available() ? [["SZ3", sz3Coder] as const] : []),
];
const columns = baselines.map(([name]) =>
  ` ${name} bytes | ${name} ratio | ${name} worst ÷ bound | ${name} over |`
).join("");
console.log(
  `| file | H×W | bound | sasquash bytes | ratio (8 B/px) | file ratio | worst err ÷ bound | over |${columns}`,
);
console.log(`|---|---|---|--:|--:|--:|--:|--:|${"--:|--:|--:|--:|".repeat(baselines.length)}`);
for (const name of files) {
  const path = `${flags.real}/${name}`;
  const m = await readMeasurement(path);
  const n = m.height * m.width;
  const size = (await Deno.stat(path)).size;
  for (const b of [{ kind: "sigma", k: 0.5 }, { kind: "rel", r: 0.01 }] as MeasurementBound[]) {
    const bytes = compressMeasurement(m, { bound: b });
    const back = decompressMeasurement(bytes, "bench");
    const s = score(m, back.intensity, limitOf(m, b));
    let others = "";
    for (const [, coder] of baselines) {
      const z = await baselineAt(coder, m, b);
      others += ` ${z.bytes} | ${fmt((8 * n) / z.bytes)}× | ${fmt(z.worst, 4)} | ${z.over} |`;
    }
    const label = b.kind === "sigma" ? `K = ${b.k}` : `R = ${b.kind === "rel" ? b.r : ""}`;
    console.log(
      `| ${name} | ${m.height}×${m.width} | ${label} | ${bytes.length} | ${
        fmt((8 * n) / bytes.length)
      }× | ${fmt(size / bytes.length, 1)}× | ${fmt(s.worst, 4)} | ${s.over} |${others}`,
    );
  }
}
if (baselines.length < 2) {
  console.log(
    `\nnot on PATH, skipped: ${
      ["zfp", "SZ3"].filter((b) => !baselines.some(([n]) => n === b)).join(", ")
    }`,
  );
}
