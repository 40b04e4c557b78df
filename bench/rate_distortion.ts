/**
 * Rate–distortion of whole `.sqz` files (issue 7, items 4–6): the error-bounded records with and
 * without a model prediction at R = 0.001, 0.01, 0.05, 0.1, the autoencoder alone at a few drop
 * thresholds, zfp (fixed accuracy on log10 I) at the same bounds, and SZ3 (absolute bound on log10 I)
 * when `sz3` is on PATH.
 * Ratios are raw float32 bytes ÷ code bytes (code only) and ÷ the whole file (header, labels
 * packed in deflated blocks of 64, framing, CRCs), summed over the images; the labels' own JSON
 * bytes are printed for comparison. Every bounded pixel is checked after decoding, with the
 * model's prediction computed by OpenBLAS and again by the stock tfjs kernels. The coders are
 * those of `baselines/rate_distortion_sweep.ts` (`deno task evaluate --sweep`); this adds the
 * whole-file sizes and the kernel checks.
 * Run: deno run -A bench/rate_distortion.ts --in /tmp/x.ndjson [--model DIR] [--limit 300]
 * @module
 */

import { parseArgs } from "node:util";
import * as tf from "@tensorflow/tfjs";
import { BoundedDecompressStream, boundedSqzHeader } from "../codec/bounded_records.ts";
import { PackLabelsStream, UnpackLabelsStream } from "../codec/label_blocks.ts";
import { type ModelCodec, openModelCodec } from "../codec/model_codec.ts";
import { type SqzInput, SqzReaderStream, SqzWriterStream } from "../codec/sqz_container.ts";
import type { SqzHeader } from "../codec/sqz_header.ts";
import { zfpAvailable } from "../baselines/zfp.ts";
import {
  aeCodes,
  boundedCodes,
  type CodedImages,
  pixelsOverBound,
  SWEEP_CODERS,
  sweepPoint,
  sz3Codes,
  zfpCodes,
} from "../baselines/rate_distortion_sweep.ts";
import { sz3Available } from "../baselines/sz3.ts";
import { setNativeKernels } from "../models/native_kernels.ts";
import { imageErrors } from "../pipeline/image_error.ts";
import { type Chunk, makeChunk } from "../pipeline/record_format.ts";
import { readAllRecords } from "../pipeline/record_stream.ts";

const { values: flags } = parseArgs({
  args: Deno.args,
  options: {
    in: { type: "string", default: "/tmp/x.ndjson" },
    model: { type: "string" },
    limit: { type: "string", default: "300" },
    thresholds: { type: "string", default: "0,0.05,0.2" },
  },
});

const { header: streamHeader, chunks: allChunks } = await readAllRecords(flags.in!);
const [height, width] = streamHeader.shape;
const n = height * width;
const limit = Number(flags.limit);
const chunks: Chunk[] = [];
for (let have = 0; have < limit && chunks.length < allChunks.length;) {
  const c = allChunks[chunks.length];
  const take = Math.min(c.count, limit - have);
  chunks.push(
    makeChunk(
      [height, width],
      (c.data as Float32Array).slice(0, take * n),
      c.labels.slice(0, take),
    ),
  );
  have += take;
}
const images = new Float32Array(chunks.reduce((a, c) => a + c.count, 0) * n);
chunks.reduce((at, c) => (images.set(c.data as Float32Array, at), at + c.data.length), 0);
const count = images.length / n;
const raw = 4 * images.length;
const labelJson = chunks.flatMap((c) => c.labels).reduce((a, l) => a + JSON.stringify(l).length, 0);
console.log(
  `${count} images of ${height}×${width} from ${flags.in}; raw ${raw} bytes; labels ${labelJson} bytes of JSON`,
);

/** The whole file of `codes` in memory: header, labels packed in blocks, records, end. */
async function writeFile(codes: SqzInput[], header: SqzHeader): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  await ReadableStream.from(codes).pipeThrough(new PackLabelsStream()).pipeThrough(
    new SqzWriterStream({ ...header, packedLabels: true }),
  ).pipeTo(new WritableStream({ write: (p) => void parts.push(p) }));
  const file = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  parts.reduce((at, p) => (file.set(p, at), at + p.length), 0);
  return file;
}

/** Decodes a file with `decoder` into one array of images. */
async function readFile(file: Uint8Array, decoder: (h: Promise<SqzHeader>) => TransformStream) {
  const reader = new SqzReaderStream({ name: "bench" });
  const out = new Float32Array(images.length);
  let at = 0;
  await ReadableStream.from([file]).pipeThrough(reader).pipeThrough(new UnpackLabelsStream())
    .pipeThrough(decoder(reader.header))
    .pipeTo(
      new WritableStream({
        write: (c: Chunk) => void (out.set(c.data as Float32Array, at), at += c.data.length),
      }),
    );
  return out;
}

const codeBytes = (c: CodedImages) => c.codes.reduce((a, r) => a + r.code.length, 0);

function median(a: number[]): number {
  const s = [...a].sort((p, q) => p - q);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

const ratio = (bytes: number) => `${(raw / bytes).toFixed(1)}×`;
const [zfp, sz3] = [await zfpAvailable(), await sz3Available()];
let codec: ModelCodec | null = null;
if (flags.model !== undefined) {
  codec = await openModelCodec(flags.model);
  // ε: the model's reconstruction by OpenBLAS (whole batch) against stock tfjs kernels (whole
  // batch) and against OpenBLAS one image at a time.
  const scales = codec.model.scales(images);
  const z = await codec.model.encode(images, "bench", scales);
  const native = await codec.model.decode(z, "bench", scales);
  const ell = codec.model.arch.ell;
  const single = new Float32Array(images.length);
  for (let k = 0; k < count; k++) {
    single.set(
      await codec.model.decode(
        z.subarray(k * ell, (k + 1) * ell),
        "bench",
        scales.subarray(k, k + 1),
      ),
      k * n,
    );
  }
  setNativeKernels(false);
  const stock = await codec.model.decode(z, "bench", scales);
  setNativeKernels(true);
  const worst = (a: Float32Array) => {
    let w = 0, differ = 0;
    for (let i = 0; i < a.length; i++) {
      if (a[i] !== native[i]) differ++;
      w = Math.max(w, Math.abs(a[i] - native[i]) / Math.abs(native[i]));
    }
    return `max |ΔP|/|P| ${w.toExponential(2)} (${differ} of ${a.length} pixels differ)`;
  };
  console.log(
    `ε, OpenBLAS vs stock tfjs kernels: ${worst(stock)}; batch 1 vs ${count}: ${worst(single)}`,
  );
  const errs = Array.from(
    { length: count },
    (_, k) => imageErrors(images.subarray(k * n, (k + 1) * n), native.subarray(k * n, (k + 1) * n)),
  );
  console.log(
    `model alone, unquantized: median rel L2 ${
      median(errs.map((e) => e.rel_l2)).toFixed(3)
    }, median max rel ${median(errs.map((e) => e.max_rel)).toFixed(3)}`,
  );
}

console.log(
  "\n| coder | bound | code-only ratio | whole-file ratio | median per-image code ratio | prediction used | pixels over | encode + decode s |",
);
console.log("|---|---|---|---|---|---|---|---|");
for (const r of [0.001, 0.01, 0.05, 0.1]) {
  for (const withModel of codec === null ? [false] : [false, true]) {
    const use = withModel ? codec : null;
    const t0 = performance.now();
    const coded = await boundedCodes(use, r, chunks);
    const seconds = (performance.now() - t0) / 1000;
    const coder = withModel ? "bounded_ae" : "bounded";
    const point = sweepPoint({ coder, bound: r }, images, n, coded, seconds);
    const header = boundedSqzHeader(height, width, use);
    const file = await writeFile(coded.codes, header);
    let bad = point.pixels_over_bound!;
    if (withModel) {
      // Again from the whole file, with the prediction computed by the stock tfjs kernels.
      setNativeKernels(false);
      const decoded = await readFile(file, () => new BoundedDecompressStream(header, use));
      bad += pixelsOverBound(images, decoded, r);
      setNativeKernels(true);
    }
    console.log(
      `| ${SWEEP_CODERS[coder]} | R = ${r} | ${ratio(codeBytes(coded))} | ${ratio(file.length)} | ${
        point.median_ratio!.toFixed(1)
      }× | ${withModel ? point.predicted : "—"} | ${bad}${withModel ? " (both kernels)" : ""} | ${
        seconds.toFixed(1)
      } |`,
    );
  }
  const baselines = [
    ["zfp", "zfp -a log10(1+R) on log10 I", zfp, zfpCodes],
    ["sz3", "SZ3 -M ABS log10(1+R) on log10 I", sz3, sz3Codes],
  ] as const;
  for (const [coder, name, available, codes] of baselines) {
    if (!available) continue;
    const point = sweepPoint(
      { coder, bound: r },
      images,
      n,
      await codes(images, [height, width], r),
      0,
    );
    const skipped = point.skipped ? ` (${point.skipped} images skipped: I ≤ 0)` : "";
    console.log(
      `| ${name} | R = ${r} | ${point.aggregate_ratio?.toFixed(1) ?? "—"}× | — | ${
        point.median_ratio?.toFixed(1) ?? "—"
      }× | — | ${point.pixels_over_bound}${skipped} | — |`,
    );
  }
}
if (!sz3) console.log("\nSZ3: no `sz3` on PATH, skipped.");

if (codec !== null) {
  console.log(
    "\n| AE alone, threshold | code-only ratio | whole-file ratio | median rel L2 | median max pointwise rel |",
  );
  console.log("|---|---|---|---|---|");
  for (const threshold of flags.thresholds!.split(",").map(Number)) {
    const coded = await aeCodes(codec, threshold, chunks);
    const point = sweepPoint({ coder: "ae", threshold }, images, n, coded, 0);
    const file = await writeFile(coded.codes, codec.header);
    console.log(
      `| ${threshold} | ${ratio(codeBytes(coded))} | ${ratio(file.length)} | ${
        point.median_rel_l2!.toFixed(3)
      } | ${point.median_max_rel!.toFixed(2)} |`,
    );
  }
}
console.log(`\nbackend ${tf.getBackend()}`);
