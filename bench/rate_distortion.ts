/**
 * Rate–distortion of whole `.sqz` files (issue 7, items 4–6): the error-bounded records with and
 * without a model prediction at R = 0.001, 0.01, 0.05, 0.1, the autoencoder alone at a few drop
 * thresholds, zfp (fixed accuracy on log10 I) at the same bounds, SZ3 when `sz3` is on PATH.
 * Ratios are raw float32 bytes ÷ code bytes (code only) and ÷ the whole file (header, labels
 * packed in deflated blocks of 64, framing, CRCs), summed over the images; the labels' own JSON
 * bytes are printed for comparison. Every bounded pixel is checked after decoding, with the
 * model's prediction computed by OpenBLAS and again by the stock tfjs kernels.
 * Run: deno run -A bench/rate_distortion.ts --in /tmp/x.ndjson [--model DIR] [--limit 300]
 * @module
 */

import { parseArgs } from "node:util";
import * as tf from "@tensorflow/tfjs";
import { BoundedCompressStream, BoundedDecompressStream } from "../codec/bounded_records.ts";
import { CodeCountStream } from "../codec/code_count_stream.ts";
import { PackLabelsStream, UnpackLabelsStream } from "../codec/label_blocks.ts";
import {
  CompressStream,
  DecompressStream,
  type ModelCodec,
  openModelCodec,
} from "../codec/model_codec.ts";
import { SqzReaderStream, SqzWriterStream } from "../codec/sqz_container.ts";
import { decodeSqzHeader } from "../codec/sqz_header.ts";
import type { SqzHeader } from "../codec/sqz_header.ts";
import { boundedSqzHeader, type RecordBound } from "../codec/bounded_records.ts";
import { zfpAvailable, zfpCompress, zfpDecompress } from "../baselines/zfp.ts";
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

/** Runs a writer pipeline over the chunks; the whole file in memory and its code bytes. */
async function writeFile(encoder: TransformStream<Chunk, { code: Uint8Array }>, header: SqzHeader) {
  const codes = new CodeCountStream();
  const parts: Uint8Array[] = [];
  await ReadableStream.from(chunks).pipeThrough(encoder).pipeThrough(codes)
    .pipeThrough(new PackLabelsStream()).pipeThrough(
      new SqzWriterStream({ ...header, packedLabels: true }),
    ).pipeTo(
      new WritableStream({ write: (p) => void parts.push(p) }),
    );
  const file = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  parts.reduce((at, p) => (file.set(p, at), at + p.length), 0);
  return { file, codeBytes: codes.bytes };
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

function over(decoded: Float32Array, bound: RecordBound): number {
  let bad = 0;
  for (let i = 0; i < images.length; i++) {
    const lim = bound.kind === "rel" ? bound.r * Math.abs(images[i]) : bound.a;
    if (!(Math.abs(decoded[i] - images[i]) <= lim)) bad++;
  }
  return bad;
}

function median(a: number[]): number {
  const s = [...a].sort((p, q) => p - q);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

const ratio = (bytes: number) => `${(raw / bytes).toFixed(1)}×`;
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
  "\n| coder | bound | code-only ratio | whole-file ratio | median per-image code ratio | prediction used | pixels over | encode s |",
);
console.log("|---|---|---|---|---|---|---|---|");
for (const r of [0.001, 0.01, 0.05, 0.1]) {
  const bound: RecordBound = { kind: "rel", r };
  for (const withModel of codec === null ? [false] : [false, true]) {
    const use = withModel ? codec : null;
    const t0 = performance.now();
    const stream = new BoundedCompressStream({
      height,
      width,
      bound,
      codec: use,
      predictionTolerance: 1e-4,
    });
    const perImage: number[] = [];
    const sizes = new TransformStream<{ code: Uint8Array }, { code: Uint8Array }>({
      transform: (x, c) => (perImage.push(raw / count / x.code.length), c.enqueue(x)),
    });
    const { file, codeBytes } = await writeFile(
      {
        writable: stream.writable,
        readable: stream.readable.pipeThrough(sizes),
      } as unknown as TransformStream,
      boundedSqzHeader(height, width, use),
    );
    const seconds = (performance.now() - t0) / 1000;
    const header = decodeSqzHeader(
      file.subarray(0, new DataView(file.buffer).getUint16(6, true)),
      "bench",
    );
    let bad = over(await readFile(file, () => new BoundedDecompressStream(header, use)), bound);
    if (withModel) {
      setNativeKernels(false);
      bad += over(await readFile(file, () => new BoundedDecompressStream(header, use)), bound);
      setNativeKernels(true);
    }
    const name = withModel ? "bounded + AE prediction" : "bounded, model-free";
    console.log(
      `| ${name} | R = ${r} | ${ratio(codeBytes)} | ${ratio(file.length)} | ${
        median(perImage).toFixed(1)
      }× | ${withModel ? stream.predicted : "—"} | ${bad}${withModel ? " (both kernels)" : ""} | ${
        seconds.toFixed(1)
      } |`,
    );
  }
  if (await zfpAvailable()) {
    let bytes = 0, bad = 0, skipped = 0;
    const tol = Math.log10(1 + r);
    for (let k = 0; k < count; k++) {
      const x = images.subarray(k * n, (k + 1) * n);
      if (x.some((v) => !(v > 0))) {
        skipped++;
        continue;
      }
      const batch = { data: x.map(Math.log10), width, height };
      const z = await zfpCompress(batch, tol);
      bytes += z.length;
      const y = (await zfpDecompress(z, { width, height, count: 1 }, tol)).map((v) => 10 ** v);
      for (let i = 0; i < n; i++) if (!(Math.abs(y[i] - x[i]) <= r * Math.abs(x[i]))) bad++;
    }
    const coded = raw * (count - skipped) / count;
    console.log(
      `| zfp -a log10(1+R) on log10 I | R = ${r} | ${
        (coded / bytes).toFixed(1)
      }× | — | — | — | ${bad}${skipped ? ` (${skipped} images skipped: I ≤ 0)` : ""} | — |`,
    );
  }
}
if (!(await onPath("sz3"))) console.log("\nSZ3: no `sz3` on PATH, skipped.");

if (codec !== null) {
  console.log(
    "\n| AE alone, threshold | code-only ratio | whole-file ratio | median rel L2 | median max pointwise rel |",
  );
  console.log("|---|---|---|---|---|");
  for (const threshold of flags.thresholds!.split(",").map(Number)) {
    const c = await openModelCodec(flags.model!, { threshold });
    const { file, codeBytes } = await writeFile(
      new CompressStream(c, "bench") as unknown as TransformStream,
      c.header,
    );
    const back = await readFile(file, (h) => new DecompressStream(c, h, 256, "bench"));
    const errs = Array.from(
      { length: count },
      (_, k) => imageErrors(images.subarray(k * n, (k + 1) * n), back.subarray(k * n, (k + 1) * n)),
    );
    console.log(
      `| ${threshold} | ${ratio(codeBytes)} | ${ratio(file.length)} | ${
        median(errs.map((e) => e.rel_l2)).toFixed(3)
      } | ${median(errs.map((e) => e.max_rel)).toFixed(2)} |`,
    );
    c.model.dispose();
  }
}
console.log(`\nbackend ${tf.getBackend()}`);

async function onPath(name: string): Promise<boolean> {
  try {
    await new Deno.Command(name, { args: ["--help"], stdout: "null", stderr: "null" }).output();
    return true;
  } catch {
    return false;
  }
}
