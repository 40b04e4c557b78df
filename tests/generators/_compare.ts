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

/** numpy.linspace(-qmax, qmax, size), as sas_engine.detector_q: the detector axis. */
export function detectorAxis(qmax: number, size: number): number[] {
  const step = (2 * qmax) / (size - 1);
  return Array.from({ length: size }, (_, i) => (i === size - 1 ? qmax : -qmax + i * step));
}
