import assert from "node:assert/strict";
import { sz3Available, sz3RoundTrip, Sz3UnavailableError } from "../../baselines/sz3.ts";
import { sasImages } from "../fixtures/sas_images.ts";

const available = await sz3Available();
const image = sasImages(1, 32, 4).map(Math.log10);

Deno.test("sz3RoundTrip() refuses a wrong shape and a tolerance ≤ 0 before running anything", async () => {
  await assert.rejects(() => sz3RoundTrip(image, 31, 32, 1e-3), {
    name: "Sz3UnavailableError",
    message: "sz3: 1024 values are not 32×31",
  });
  await assert.rejects(() => sz3RoundTrip(image, 32, 32, 0), Sz3UnavailableError);
});

Deno.test(`sz3 ${available ? "on PATH: every value within the absolute bound, smaller than raw" : "not on PATH: a clear error"}`, async () => {
  if (!available) {
    await assert.rejects(() => sz3RoundTrip(image, 32, 32, 1e-3), {
      name: "Sz3UnavailableError",
      message: /^cannot run sz3/,
    });
    return;
  }
  for (const tolerance of [1e-4, 1e-2]) {
    const { code, decoded } = await sz3RoundTrip(image, 32, 32, tolerance);
    assert.equal(decoded.length, image.length);
    const worst = decoded.reduce((w, v, i) => Math.max(w, Math.abs(v - image[i])), 0);
    assert.ok(worst <= tolerance, `worst ${worst} > ${tolerance}`);
    assert.ok(code.length < 4 * image.length, `${code.length} bytes`);
  }
});
