/**
 * Whole-compressor throughput on real images: network encode + sparse code (compress) and
 * code decode + network decode (decompress), next to the Debian `zfp` CLI tuned to the same mean
 * relative L2 error on the same images, measured in one run.
 *
 *   deno run -A bench/compress.ts --model runs/cpu --data test.ndjson.gz [--n 1024]
 */
import { sideInfoBytes } from "../models/transform.ts";
import { meanRelativeL2Error } from "../pipeline/image_error.ts";
import { readRecords } from "../pipeline/record_stream.ts";
import { openModelCodec } from "../codec/model_codec.ts";
import { decodeLatent, encodeLatent } from "../codec/sparse_code.ts";
import { zfpCompress, zfpDecompress, zfpToleranceForError } from "../baselines/zfp.ts";

const arg = (name: string, fallback?: string) => {
  const i = Deno.args.indexOf(`--${name}`);
  return i >= 0 ? Deno.args[i + 1] : fallback;
};
const modelDir = arg("model")!, data = arg("data")!, limit = Number(arg("n", "1024"));
if (!modelDir || !data) {
  console.error("usage: deno run -A bench/compress.ts --model DIR --data FILE [--n 1024]");
  Deno.exit(2);
}

const codec = await openModelCodec(modelDir);
const { n, ell } = codec.model.arch;
const parts: Float32Array[] = [];
let count = 0;
for await (const chunk of (await readRecords(data)).chunks) {
  parts.push(chunk.data as Float32Array);
  count += chunk.count;
  if (count >= limit) break;
}
count = Math.min(count, limit);
const images = new Float32Array(count * n);
let at = 0;
for (const p of parts) {
  const take = Math.min(p.length, images.length - at);
  images.set(p.subarray(0, take), at);
  at += take;
}
const mb = images.byteLength / 1e6;

await codec.model.encode(images.subarray(0, 64 * n)); // warm-up
let t = performance.now();
const z = await codec.model.encode(images);
const codes = Array.from(
  { length: count },
  (_, i) => encodeLatent(z.subarray(i * ell, (i + 1) * ell), codec.options),
);
const encodeS = (performance.now() - t) / 1000;
t = performance.now();
const zq = new Float32Array(count * ell);
codes.forEach((c, i) => decodeLatent(c, ell, codec.options, zq.subarray(i * ell, (i + 1) * ell)));
const recon = await codec.model.decode(zq, "codes", codec.model.scales(images));
const decodeS = (performance.now() - t) / 1000;
const side = sideInfoBytes(codec.model.transform);
const codeBytes = codes.reduce((a, c) => a + c.length + side, 0);
const error = meanRelativeL2Error(images, recon, n);

const [height, width] = codec.model.meta.image_shape;
const batch = { data: images, width, height };
const tuned = await zfpToleranceForError(batch, error);
t = performance.now();
const zbytes = await zfpCompress(batch, tuned.tolerance);
const zEncodeS = (performance.now() - t) / 1000;
t = performance.now();
await zfpDecompress(zbytes, { width, height, count }, tuned.tolerance);
const zDecodeS = (performance.now() - t) / 1000;

const row = (name: string, enc: number, dec: number, bytes: number, err: number) =>
  console.log(
    `| ${name} | ${(count / enc).toFixed(0)} | ${(mb / enc).toFixed(1)} | ${
      (count / dec).toFixed(0)
    } | ` +
      `${(mb / dec).toFixed(1)} | ${(images.byteLength / bytes).toFixed(1)} | ${
        err.toExponential(2)
      } |`,
  );
console.log(
  `${count} images of ${n} pixels, model ${modelDir} (n=${n}, ℓ=${ell}, f=${codec.model.arch.f})`,
);
console.log(
  "| compressor | encode img/s | encode MB/s | decode img/s | decode MB/s | byte ratio | mean rel. L2 |",
);
console.log("|---|---|---|---|---|---|---|");
row("sasquash (network + sparse code)", encodeS, decodeS, codeBytes, error);
row(
  `zfp -a ${tuned.tolerance.toExponential(2)} (CLI, one process each way)`,
  zEncodeS,
  zDecodeS,
  zbytes.length,
  tuned.error,
);
console.log(
  `ratios sasquash/zfp: encode ${(zEncodeS / encodeS).toFixed(2)}×, decode ${
    (zDecodeS / decodeS).toFixed(2)
  }×, ` +
    `size: sasquash's bytes are ${(codeBytes / zbytes.length).toFixed(2)}× zfp's`,
);
codec.model.dispose();
