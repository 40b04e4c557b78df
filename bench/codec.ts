/**
 * Sparse-code codec throughput and size against the zfp CLI (fixed accuracy), same run.
 * Run: deno run -A bench/codec.ts [count=2000]
 * Codes: ℓ = 8192, ~50 non-zeros at uniform random positions, values ±[0.01, 10), fp16;
 * grad mode codes the running sum of each latent (a step function with the same ~50 jumps);
 * threshold 5e-3 (below every value, so it only drops the closed loop's fp16 residuals).
 * Throughput is also given as MB/s of the raw float32 64×64 image each code stands for.
 * @module
 */

import { meanRelativeL2Error } from "../pipeline/image_error.ts";
import { gapHistogram, gaussianGapModel, learnedGapModel } from "../codec/gap_model.ts";
import {
  codedIndices,
  decodeLatent,
  encodeLatent,
  type SparseCodeOptions,
} from "../codec/sparse_code.ts";
import {
  zfpAvailable,
  zfpCompress,
  zfpDecompress,
  zfpToleranceForError,
} from "../baselines/zfp.ts";
import { randomIndices, sparseLatent } from "../tests/fixtures/synthetic_codes.ts";
import { mulberry32 } from "../pipeline/seeded_random.ts";

const count = Number(Deno.args[0] ?? 2000);
const ELL = 8192;
const IMAGE_BYTES = 4096 * 4;
const rand = mulberry32(7);

const latents = Array.from(
  { length: count },
  () => sparseLatent(rand, ELL, randomIndices(rand, ELL, 50)),
);
// Grad mode codes jumps: its latents are the running sums of the sparse ones (same jumps).
const steps = latents.map((z) => {
  const c = new Float32Array(ELL);
  for (let i = 0, acc = 0; i < ELL; i++) c[i] = acc = Math.fround(acc + z[i]);
  return c;
});
const training = Array.from({ length: count }, () => randomIndices(rand, ELL, 50));
const h = gapHistogram(training, 4096);
const models = {
  gaussian: gaussianGapModel(1e3, 4096),
  learned: learnedGapModel(h.gapCounts, h.endCount, h.escapeCount),
};

function rate(seconds: number): string {
  return `${(count / seconds).toFixed(0).padStart(8)} codes/s ${
    ((count * IMAGE_BYTES) / seconds / 1e6).toFixed(1).padStart(7)
  } MB/s`;
}

function timeIt(work: () => void): number {
  work(); // warm-up (JIT)
  const t0 = performance.now();
  work();
  return (performance.now() - t0) / 1000;
}

const results: Record<string, { encode: number; decode: number; bytes: number }> = {};
for (const [name, gapModel] of Object.entries(models)) {
  for (const f of ["z", "grad"] as const) {
    const opts: SparseCodeOptions = { f, gapModel, threshold: 5e-3 };
    const codes: Uint8Array[] = new Array(count);
    const encode = timeIt(() => {
      for (let k = 0; k < count; k++) {
        codes[k] = encodeLatent(f === "z" ? latents[k] : steps[k], opts);
      }
    });
    const out = new Float32Array(ELL);
    const decode = timeIt(() => {
      for (let k = 0; k < count; k++) decodeLatent(codes[k], ELL, opts, out);
    });
    const bytes = codes.reduce((n, c) => n + c.length, 0) / count;
    results[`${name}/${f}`] = { encode, decode, bytes };
  }
}

const nnz = latents.reduce((n, z) => n + codedIndices(z, { f: "z" }).length, 0) / count;
console.log(
  `sparse codes: ${count} codes, ℓ = ${ELL}, mean ${nnz.toFixed(1)} non-zeros, fp16 values`,
);
for (const [key, r] of Object.entries(results)) {
  console.log(
    `  ${key.padEnd(14)} ${r.bytes.toFixed(1).padStart(6)} B/code  encode ${
      rate(r.encode)
    }  decode ${rate(r.decode)}`,
  );
}
const g = results["gaussian/z"];
const l = results["learned/z"];
console.log(`  bytes/code learned vs gaussian gap model (f=z): ${(l.bytes / g.bytes).toFixed(3)}×`);
console.log(`  of which values: ${(nnz * 2).toFixed(1)} B/code (fp16)`);

if (!(await zfpAvailable())) {
  console.log("zfp CLI not installed: baseline skipped (apt-get install -y zfp)");
  Deno.exit(0);
}

/** Smooth radial 64×64 scattering-like images with a little noise. */
function images(n: number): Float32Array {
  const data = new Float32Array(n * 4096);
  for (let k = 0; k < n; k++) {
    const r0 = 5 + rand() * 20;
    for (let i = 0; i < 4096; i++) {
      const q = Math.hypot((i & 63) - 32, (i >> 6) - 32) / r0;
      data[k * 4096 + i] = 1 / (1 + q * q) ** 2 + 1e-3 * rand();
    }
  }
  return data;
}

const batch = { data: images(count), width: 64, height: 64 };
const shape = { width: 64, height: 64, count };
const target = 1e-2;
const point = await zfpToleranceForError(
  { ...batch, data: batch.data.subarray(0, 64 * 4096) },
  target,
  20,
);
let compressed = await zfpCompress(batch, point.tolerance); // warm-up (page cache)
let t0 = performance.now();
compressed = await zfpCompress(batch, point.tolerance);
const zEncode = (performance.now() - t0) / 1000;
t0 = performance.now();
const xhat = await zfpDecompress(compressed, shape, point.tolerance);
const zDecode = (performance.now() - t0) / 1000;
const err = meanRelativeL2Error(batch.data, xhat, 4096);
console.log(
  `zfp -a ${point.tolerance.toExponential(2)} (mean rel. L2 ${
    err.toExponential(2)
  }), ${count} images 64×64 f32, one process each way:`,
);
console.log(
  `  zfp            ${(compressed.length / count).toFixed(1).padStart(6)} B/image  encode ${
    rate(zEncode)
  }  decode ${rate(zDecode)}`,
);
for (const key of ["gaussian/z", "learned/z", "learned/grad"]) {
  const r = results[key];
  console.log(
    `  ratio ${key.padEnd(13)} / zfp: encode ${(zEncode / r.encode).toFixed(2)}×, decode ${
      (zDecode / r.decode).toFixed(2)
    }× faster; size ${(r.bytes / (compressed.length / count)).toFixed(3)}× of zfp`,
  );
}
