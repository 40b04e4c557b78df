import { meanRelativeL2Error } from "../../pipeline/image_error.ts";
import assert from "node:assert/strict";
import {
  zfpAvailable,
  zfpCompress,
  zfpDecompress,
  zfpToleranceForError,
} from "../../baselines/zfp.ts";
import { mulberry32 } from "../../pipeline/seeded_random.ts";

const haveZfp = await zfpAvailable();
if (!haveZfp) console.warn("zfp CLI not installed: zfp baseline tests are ignored");

/** Smooth radial 64×64 images with noise (scattering-like decay). */
function images(count: number, seed: number): Float32Array {
  const rand = mulberry32(seed);
  const out = new Float32Array(count * 4096);
  for (let k = 0; k < count; k++) {
    const r0 = 5 + rand() * 20;
    for (let y = 0; y < 64; y++) {
      for (let x = 0; x < 64; x++) {
        const q = Math.hypot(x - 32, y - 32) / r0;
        out[k * 4096 + y * 64 + x] = 1 / (1 + q * q) ** 2 + 1e-3 * rand();
      }
    }
  }
  return out;
}

Deno.test("meanRelativeL2Error averages per-image ‖x − x̂‖/‖x‖", () => {
  const x = Float32Array.of(3, 4, 1, 0);
  const xhat = Float32Array.of(3, 4, 0, 0); // errors 0 and 1
  assert.equal(meanRelativeL2Error(x, xhat, 2), 0.5);
  assert.equal(meanRelativeL2Error(Float32Array.of(0, 0), Float32Array.of(0, 0), 2), 0);
});

Deno.test({
  name: "zfp fixed accuracy keeps every error within the tolerance and images independent",
  ignore: !haveZfp,
  fn: async () => {
    const data = images(3, 41);
    const batch = { data, width: 64, height: 64 };
    const z = await zfpCompress(batch, 1e-3);
    assert.ok(z.length < data.byteLength / 2, `${z.length} bytes`);
    const xhat = await zfpDecompress(z, { width: 64, height: 64, count: 3 }, 1e-3);
    let maxErr = 0;
    for (let i = 0; i < data.length; i++) maxErr = Math.max(maxErr, Math.abs(data[i] - xhat[i]));
    assert.ok(maxErr <= 1e-3 && maxErr > 0, `max error ${maxErr}`);
    const second = { data: data.slice(4096, 8192), width: 64, height: 64 };
    const alone = await zfpDecompress(await zfpCompress(second, 1e-3), {
      width: 64,
      height: 64,
      count: 1,
    }, 1e-3);
    assert.deepEqual(alone, xhat.slice(4096, 8192));
    assert.ok((await zfpCompress(batch, 1e-2)).length < z.length);
  },
});

Deno.test({
  name: "zfp tolerance bisection reaches the target error from below",
  ignore: !haveZfp,
  fn: async () => {
    const batch = { data: images(4, 42), width: 64, height: 64 };
    const p = await zfpToleranceForError(batch, 1e-2, 16);
    assert.ok(p.error <= 1e-2 && p.error > 2e-3, `error ${p.error}`);
    const xhat = await zfpDecompress(await zfpCompress(batch, p.tolerance), {
      width: 64,
      height: 64,
      count: 4,
    }, p.tolerance);
    assert.equal(meanRelativeL2Error(batch.data, xhat, 4096), p.error);
  },
});
