import assert from "node:assert/strict";
import {
  codingPlan,
  SLOTS,
  SYMMETRIES,
  symmetryFits,
} from "../../../codec/bounded/_coding_plan.ts";

const GRIDS = [[1, 1], [1, 9], [7, 1], [2, 2], [5, 5], [8, 8], [9, 13], [16, 7], [33, 33], [
  64,
  64,
]];

Deno.test("codingPlan() codes every pixel once, from pixels decoded before it", () => {
  for (const [h, w] of GRIDS) {
    for (const predictor of [0, 1, 2]) {
      SYMMETRIES.forEach((_, symmetry) => {
        if (!symmetryFits(h, w, symmetry)) return;
        const where = `${h}×${w} predictor ${predictor} symmetry ${symmetry}`;
        const plan = codingPlan(h, w, predictor, symmetry);
        const done = new Uint8Array(h * w);
        for (let k = 0; k < h * w; k++) {
          const i = plan.pixel[k];
          assert.equal(done[i], 0, `${where}: pixel ${i} twice`);
          let weights = 0;
          for (let j = SLOTS * k; j < SLOTS * (k + 1) && plan.neighbour[j] >= 0; j++) {
            assert.equal(done[plan.neighbour[j]], 1, `${where}: step ${k} reads ahead`);
            weights += plan.weight[j];
          }
          // Predictors reproduce constants: weights sum to 1 (or there are none, p = 0).
          if (plan.neighbour[SLOTS * k] >= 0) assert.ok(Math.abs(weights - 1) < 1e-12, where);
          for (const c of [plan.context[2 * k], plan.context[2 * k + 1]]) {
            assert.ok(c < 0 || done[c] === 1, `${where}: step ${k} context ahead`);
          }
          const b = plan.base[k];
          assert.ok(b === i || done[b] === 1, `${where}: step ${k} base ahead`);
          done[i] = 1;
        }
      });
    }
  }
});

Deno.test("codingPlan() with the isotropic prior codes one pixel per distinct radius", () => {
  const plan = codingPlan(64, 64, 1, SYMMETRIES.indexOf("isotropic"));
  const radii = new Set<number>();
  for (let iy = 0; iy < 64; iy++) {
    for (let ix = 0; ix < 64; ix++) radii.add((2 * ix - 63) ** 2 + (2 * iy - 63) ** 2);
  }
  let spatial = 0;
  for (let k = 0; k < 4096; k++) if (plan.base[k] === plan.pixel[k]) spatial++;
  assert.equal(spatial, radii.size);
  assert.ok(radii.size < 4096 / 7, `${radii.size} radii`);
});
