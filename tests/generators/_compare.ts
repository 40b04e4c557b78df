import assert from "node:assert/strict";

/** Largest |got − want| / |want| (NaN counts as infinitely far); lengths must agree. */
export function maxRelative(got: ArrayLike<number>, want: ArrayLike<number>): number {
  assert.equal(got.length, want.length);
  let worst = 0;
  for (let i = 0; i < want.length; i++) {
    const rel = Math.abs(got[i] - want[i]) / Math.max(Math.abs(want[i]), 1e-300);
    if (!(rel <= worst)) worst = Number.isNaN(rel) ? Infinity : rel;
  }
  return worst;
}
