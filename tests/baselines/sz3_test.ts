import assert from "node:assert/strict";
import { sz3Available, sz3OrRaw, sz3RoundTrip, Sz3UnavailableError } from "../../baselines/sz3.ts";
import { mulberry32 } from "../../pipeline/seeded_random.ts";
import { sasImages } from "../fixtures/sas_images.ts";

const available = await sz3Available();
const image = sasImages(1, 64, 4).map(Math.log10);

Deno.test("sz3RoundTrip() refuses a wrong shape and a tolerance ≤ 0 before running anything", async () => {
  await assert.rejects(() => sz3RoundTrip(image, 63, 64, 1e-3), {
    name: "Sz3UnavailableError",
    message: "sz3: 4096 values are not 64×63",
  });
  await assert.rejects(() => sz3RoundTrip(image, 64, 64, 0), Sz3UnavailableError);
});

Deno.test(`sz3 ${available ? "on PATH: every value within the absolute bound, smaller than raw" : "not on PATH: a clear error"}`, async () => {
  if (!available) {
    await assert.rejects(() => sz3RoundTrip(image, 64, 64, 1e-3), {
      name: "Sz3UnavailableError",
      message: /^cannot run sz3/,
    });
    return;
  }
  for (const tolerance of [1e-4, 1e-2]) {
    const { code, decoded } = await sz3RoundTrip(image, 64, 64, tolerance);
    assert.equal(decoded.length, image.length);
    const worst = decoded.reduce((w, v, i) => Math.max(w, Math.abs(v - image[i])), 0);
    assert.ok(worst <= tolerance, `worst ${worst} > ${tolerance}`);
    assert.ok(code.length < 4 * image.length, `${code.length} bytes`);
  }
});

Deno.test({
  name: "sz3OrRaw() stores raw what SZ3 3.3.2 aborts on (32×32 noise), exactly",
  ignore: !available,
  fn: async () => {
    const random = mulberry32(1);
    const noise = Float32Array.from({ length: 1024 }, () => random() - 0.5);
    const out = await sz3OrRaw(noise, 32, 32, 1e-4);
    assert.equal(out.raw, true);
    assert.equal(out.code.length, 4096);
    assert.deepEqual(out.decoded, noise);
  },
});
