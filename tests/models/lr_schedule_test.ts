import assert from "node:assert/strict";
import { learningRateAt } from "../../models/lr_schedule.ts";

Deno.test("learningRateAt() warms up linearly, then follows the cosine to its floor", () => {
  const s = { name: "cosine" as const, base: 1e-3, warmupSteps: 4, floor: 0.1 };
  assert.equal(learningRateAt(s, 0, 0), 1e-3 / 4);
  assert.equal(learningRateAt(s, 1, 0), 2e-3 / 4);
  assert.equal(learningRateAt(s, 3, 0), 1e-3);
  // Halfway: floor + (1 − floor)·½ = 0.55 of the peak; at the end the floor; past it, clamped.
  assert.ok(Math.abs(learningRateAt(s, 100, 0.5) - 0.55e-3) < 1e-15);
  assert.ok(Math.abs(learningRateAt(s, 100, 1) - 1e-4) < 1e-15);
  assert.equal(learningRateAt(s, 100, 7), learningRateAt(s, 100, 1));
  const constant = { name: "constant" as const, base: 2e-3, warmupSteps: 0 };
  assert.equal(learningRateAt(constant, 0, 0.9), 2e-3);
});
