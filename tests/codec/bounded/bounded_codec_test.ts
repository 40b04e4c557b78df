import assert from "node:assert/strict";
import {
  type BoundedMode,
  decodeBounded,
  DEFAULT_PREDICTION_TOLERANCE,
  encodeBounded,
  type ErrorBound,
  readBoundedHeader,
  type Symmetry,
} from "../../../codec/bounded/bounded_codec.ts";
import { sigmaTolerance } from "../../../codec/bounded/sigma_tolerance.ts";
import {
  decodeWithUncertainty,
  encodeWithUncertainty,
} from "../../../codec/bounded/uncertainty.ts";
import { FormatError, UsageError } from "../../../pipeline/errors.ts";
import { mulberry32 } from "../../../pipeline/seeded_random.ts";

const ALL_MODES: BoundedMode[] = [];
for (const predictor of ["lorenzo", "interpolation", "smooth"] as const) {
  for (const symmetry of ["none", "centro", "quadrant", "octant", "isotropic"] as const) {
    for (const usePrediction of [false, true]) {
      ALL_MODES.push({ predictor, symmetry, usePrediction });
    }
  }
}

/** Index and size of the worst violation of `bound` (null when every pixel holds). */
function violation(x: Float32Array, y: Float32Array, bound: ErrorBound): string | null {
  for (let i = 0; i < x.length; i++) {
    const err = Math.abs(y[i] - x[i]);
    const limit = bound.kind === "rel"
      ? bound.r * Math.abs(x[i])
      : bound.kind === "abs"
      ? bound.a
      : bound.tolerance[i];
    if (!(err <= limit)) return `pixel ${i}: ${x[i]} decoded as ${y[i]} (limit ${limit})`;
  }
  return null;
}

/**
 * A SAS-like image: a decaying log-intensity with wiggles, times noise; without noise it has
 * exactly the symmetry `shape` (and those it implies), no more.
 */
function sasLike(h: number, w: number, seed: number, noise = 0, shape: Symmetry = "quadrant") {
  const rand = mulberry32(seed);
  const x = new Float32Array(h * w);
  for (let iy = 0; iy < h; iy++) {
    for (let ix = 0; ix < w; ix++) {
      // Integer numerators keep mirrored coordinates exact negatives of each other.
      const qx = (2 * ix - (w - 1)) / Math.max(1, w - 1);
      const qy = (2 * iy - (h - 1)) / Math.max(1, h - 1);
      const q = {
        none: Math.hypot(1.3 * qx, qy) + 0.2 * qx,
        centro: Math.hypot(1.3 * qx, qy) + 0.4 * qx * qy,
        quadrant: Math.hypot(1.3 * qx, qy),
        octant: Math.hypot(qx, qy) + 0.3 * (qx ** 4 + qy ** 4),
        isotropic: Math.sqrt(qx * qx + qy * qy),
      }[shape];
      const clean = 1e3 * Math.exp(-8 * q) * (1.2 + Math.cos(25 * q)) + 1e-3;
      x[iy * w + ix] = clean * (1 + noise * (rand() - 0.5));
    }
  }
  return x;
}

/** The modes that apply to an h × w grid (octant and isotropic need a square one). */
function modesFor(h: number, w: number, usePrediction: boolean): BoundedMode[] {
  return ALL_MODES.filter((m) =>
    m.usePrediction === usePrediction &&
    (h === w || (m.symmetry !== "octant" && m.symmetry !== "isotropic"))
  );
}

function roundTrip(
  image: Float32Array,
  h: number,
  w: number,
  bound: ErrorBound,
  modes?: BoundedMode[],
) {
  const bytes = encodeBounded(image, { height: h, width: w, bound, modes });
  const tolerance = bound.kind === "pointwise" ? bound.tolerance : undefined;
  return { bytes, ...decodeBounded(bytes, { tolerance }) };
}

Deno.test("encodeBounded() keeps every pixel within a relative bound for every mode without prediction", () => {
  for (const [h, w] of [[29, 41], [33, 33]]) {
    const image = sasLike(h, w, 1, 0.3);
    for (const r of [1e-4, 1e-2, 0.3]) {
      for (const mode of modesFor(h, w, false)) {
        const { image: out, header } = roundTrip(image, h, w, { kind: "rel", r }, [mode]);
        assert.deepEqual(header.mode, mode);
        const where = `${h}×${w} r=${r} ${JSON.stringify(mode)}`;
        assert.equal(violation(image, out, { kind: "rel", r }), null, where);
      }
    }
  }
});

Deno.test("encodeBounded() holds a relative bound on random images spanning 16 decades with signs", () => {
  const rand = mulberry32(7);
  for (const [h, w] of [[1, 1], [1, 57], [33, 1], [16, 16], [23, 50]]) {
    const image = Float32Array.from({ length: h * w }, () => {
      const v = 10 ** (16 * rand() - 8);
      return rand() < 0.2 ? -v : v;
    });
    const bound: ErrorBound = { kind: "rel", r: 0.01 };
    const { image: out } = roundTrip(image, h, w, bound);
    assert.equal(violation(image, out, bound), null, `${h}×${w}`);
  }
});

Deno.test("encodeBounded() stores zeros with their sign, and constants, subnormals and extremes within bound", () => {
  const cases: Record<string, Float32Array> = {
    zeros: new Float32Array(64),
    signedZeros: Float32Array.from({ length: 64 }, (_, i) => (i % 3 === 0 ? -0 : 0)),
    constant: new Float32Array(64).fill(3.25),
    subnormals: Float32Array.from({ length: 64 }, (_, i) => (i + 1) * 2 ** -149 * (i % 2 ? -1 : 1)),
    extremes: Float32Array.from({ length: 64 }, (_, i) => (i % 2 ? 3.4028234e38 : 1.1754944e-38)),
    mixed: Float32Array.from({ length: 64 }, (_, i) => [0, -0, 1e-45, -2.5, 1e30, 7][i % 6]),
  };
  for (const [name, image] of Object.entries(cases)) {
    for (const bound of [{ kind: "rel", r: 0.05 }, { kind: "abs", a: 1e-3 }] as ErrorBound[]) {
      const { image: out } = roundTrip(image, 8, 8, bound);
      assert.equal(violation(image, out, bound), null, `${name} ${bound.kind}`);
      if (bound.kind === "rel") {
        for (let i = 0; i < 64; i++) {
          if (image[i] === 0) {
            assert.ok(Object.is(out[i], image[i]), `${name} pixel ${i} sign of zero`);
          }
        }
      }
    }
  }
});

Deno.test("encodeBounded() keeps absolute and pointwise bounds, storing zero-tolerance pixels exactly", () => {
  for (const [h, w] of [[20, 30], [24, 24]]) {
    const image = sasLike(h, w, 2, 0.5);
    const rand = mulberry32(3);
    const tolerance = Float32Array.from(
      image,
      (v, i) => (i % 7 === 0 ? 0 : 0.5 * Math.sqrt(v) * rand()),
    );
    for (
      const bound of [{ kind: "abs", a: 0.5 }, { kind: "pointwise", tolerance }] as ErrorBound[]
    ) {
      for (const mode of modesFor(h, w, false)) {
        const { image: out } = roundTrip(image, h, w, bound, [mode]);
        const where = `${h}×${w} ${bound.kind} ${JSON.stringify(mode)}`;
        assert.equal(violation(image, out, bound), null, where);
      }
    }
    const { image: out } = roundTrip(image, h, w, { kind: "pointwise", tolerance });
    for (let i = 0; i < image.length; i += 7) assert.equal(out[i], image[i]);
  }
});

Deno.test("decodeBounded() keeps the bound when its prediction differs by up to ε from the encoder's", () => {
  for (const [h, w] of [[32, 48], [40, 40]]) checkPerturbed(h, w);
});

function checkPerturbed(h: number, w: number): void {
  const image = sasLike(h, w, 4, 0.02);
  const rand = mulberry32(5);
  // The encoder's "autoencoder reconstruction": the image off by a few percent.
  const prediction = Float32Array.from(image, (v) => v * (1 + 0.05 * (rand() - 0.5)));
  const eps = DEFAULT_PREDICTION_TOLERANCE; // what the encoder assumes when not told
  const perturbations: Array<(i: number) => number> = [
    () => eps,
    () => -eps,
    () => eps * (2 * rand() - 1),
  ];
  for (const bound of [{ kind: "rel", r: 0.001 }, { kind: "abs", a: 0.01 }] as ErrorBound[]) {
    for (const mode of modesFor(h, w, true)) {
      const bytes = encodeBounded(image, { height: h, width: w, bound, prediction, modes: [mode] });
      assert.equal(readBoundedHeader(bytes).predictionTolerance, Math.fround(eps));
      for (const delta of perturbations) {
        // Largest float32 perturbation within relative eps (rounded toward the original).
        const other = Float32Array.from(prediction, (p, i) => {
          const moved = Math.fround(p * (1 + delta(i)));
          return Math.abs(moved - p) <= eps * Math.abs(p) ? moved : p;
        });
        const { image: out } = decodeBounded(bytes, { prediction: other });
        const where = `${h}×${w} ${bound.kind} ${JSON.stringify(mode)}`;
        assert.equal(violation(image, out, bound), null, where);
      }
    }
  }
}

Deno.test("encodeBounded() picks the symmetry an image has and codes mirrored pixels for free", () => {
  const bound: ErrorBound = { kind: "rel", r: 0.01 };
  const cases = [
    { expect: "centro", image: sasLike(64, 64, 6, 0, "centro") },
    { expect: "quadrant", image: sasLike(64, 64, 6, 0, "quadrant") },
    { expect: "octant", image: sasLike(64, 64, 6, 0, "octant") },
    { expect: "isotropic", image: sasLike(64, 64, 6, 0, "isotropic") },
  ];
  for (const { expect, image } of cases) {
    const plain = encodeBounded(image, {
      height: 64,
      width: 64,
      bound,
      modes: [{ predictor: "interpolation", usePrediction: false, symmetry: "none" }],
    });
    const { bytes, header, image: out } = roundTrip(image, 64, 64, bound);
    assert.equal(header.mode.symmetry, expect);
    const share = { centro: 0.6, quadrant: 0.35, octant: 0.25, isotropic: 0.2 }[expect]!;
    assert.ok(bytes.length < share * plain.length, `${expect}: ${bytes.length} vs ${plain.length}`);
    for (let i = 0; i < 2048; i++) assert.equal(out[i], out[4095 - i]);
  }
  const square = sasLike(8, 8, 1);
  assert.throws(
    () =>
      encodeBounded(square.subarray(0, 48), {
        height: 6,
        width: 8,
        bound,
        modes: [{ predictor: "lorenzo", usePrediction: false, symmetry: "octant" }],
      }),
    /symmetry 'octant' does not fit 6 × 8/,
  );
});

Deno.test("encodeBounded() greedy search is never smaller than exhaustive and picks the same symmetry here", () => {
  for (const shape of ["centro", "isotropic"] as const) {
    const image = sasLike(32, 32, 16, 0, shape);
    const opts = { height: 32, width: 32, bound: { kind: "rel", r: 0.01 } as ErrorBound };
    const greedy = encodeBounded(image, opts);
    const exhaustive = encodeBounded(image, { ...opts, search: "exhaustive" });
    assert.ok(
      exhaustive.length <= greedy.length,
      `${shape}: ${exhaustive.length} > ${greedy.length}`,
    );
    assert.equal(readBoundedHeader(greedy).mode.symmetry, shape);
    assert.equal(readBoundedHeader(exhaustive).mode.symmetry, shape);
    assert.equal(violation(image, decodeBounded(greedy).image, opts.bound), null);
  }
});

Deno.test("encodeBounded() is deterministic and records its mode, bound and grid in the header", () => {
  const image = sasLike(10, 12, 8, 0.1);
  const opts = { height: 10, width: 12, bound: { kind: "rel", r: 0.02 } as ErrorBound };
  const a = encodeBounded(image, opts);
  assert.deepEqual(encodeBounded(image, opts), a);
  const header = readBoundedHeader(a);
  assert.equal(header.height, 10);
  assert.equal(header.width, 12);
  assert.equal(header.bound.kind, "rel");
  assert.ok(header.bound.value <= 0.02 && header.bound.value > 0.02 * (1 - 2 ** -23));
  assert.equal(header.bound.value, Math.fround(header.bound.value));
  assert.equal(header.transform, "log");
  assert.ok(header.margin > 0 && header.margin < 0.01, `margin ${header.margin}`);
});

Deno.test("encodeBounded() rejects NaN and infinite pixels naming the index, unless masked", () => {
  const image = sasLike(4, 5, 9);
  image[13] = NaN;
  const bound: ErrorBound = { kind: "rel", r: 0.01 };
  assert.throws(() => encodeBounded(image, { height: 4, width: 5, bound }), (e) => {
    assert.ok(e instanceof FormatError);
    assert.match(e.message, /pixel 13 \(row 2, column 3\) is NaN/);
    return true;
  });
  image[13] = -Infinity;
  assert.throws(
    () => encodeBounded(image, { height: 4, width: 5, bound }),
    /pixel 13 .* -Infinity/,
  );
  const mask = new Uint8Array(20);
  mask[13] = 1;
  const { image: out } = decodeBounded(encodeBounded(image, { height: 4, width: 5, bound, mask }));
  assert.equal(out[13], -Infinity);
});

Deno.test("encodeBounded() codes a bound finer than float32 resolution losslessly, well below raw size", () => {
  // Values 1e-3 · (1 + a few ulp): A = 1e-13 is below half an ulp, so only exact values meet it.
  const rand = mulberry32(13);
  const image = Float32Array.from(
    { length: 64 * 64 },
    () => Math.fround(1e-3 * (1 + 1e-6 * rand())),
  );
  const bound: ErrorBound = { kind: "abs", a: 1e-13 };
  const { bytes, image: out } = roundTrip(image, 64, 64, bound);
  assert.deepEqual(out, image);
  assert.ok(bytes.length < 0.5 * 4 * image.length, `${bytes.length} bytes`);
});

Deno.test("encodeBounded() stores masked pixels bit for bit, NaN payloads included", () => {
  const image = sasLike(6, 6, 10);
  const bits = new Uint32Array(image.buffer);
  bits[7] = 0x7fc12345; // a NaN with a payload
  const mask = new Uint8Array(36);
  mask[7] = 1;
  mask[20] = 1;
  const { image: out } = decodeBounded(
    encodeBounded(image, { height: 6, width: 6, bound: { kind: "abs", a: 1 }, mask }),
  );
  const outBits = new Uint32Array(out.buffer);
  assert.equal(outBits[7], 0x7fc12345);
  assert.equal(outBits[20], bits[20]);
});

Deno.test("encodeBounded() and decodeBounded() reject bad options and malformed streams", () => {
  const image = sasLike(4, 4, 11);
  assert.throws(
    () => encodeBounded(image, { height: 4, width: 5, bound: { kind: "rel", r: 0.1 } }),
    UsageError,
  );
  assert.throws(
    () => encodeBounded(image, { height: 4, width: 4, bound: { kind: "rel", r: 0 } }),
    UsageError,
  );
  const badTolerance = new Float32Array(16).fill(1);
  badTolerance[3] = -1;
  assert.throws(
    () =>
      encodeBounded(image, {
        height: 4,
        width: 4,
        bound: { kind: "pointwise", tolerance: badTolerance },
      }),
    /tolerance pixel 3 is -1/,
  );
  const bytes = encodeBounded(image, { height: 4, width: 4, bound: { kind: "rel", r: 0.1 } });
  assert.throws(() => decodeBounded(Uint8Array.of(2, ...bytes.subarray(1))), FormatError);
  assert.throws(() => decodeBounded(bytes.subarray(0, 3)), FormatError);
  const corrupt = (at: number, value: number) => {
    const copy = bytes.slice();
    copy[at] = value;
    return copy;
  };
  assert.throws(() => decodeBounded(corrupt(1, 3)), /invalid mode byte 0x3/); // predictor 3
  assert.throws(() => decodeBounded(corrupt(1, 5 << 3)), /invalid mode byte/); // symmetry 5
  assert.throws(() => decodeBounded(corrupt(2, 0x01)), /invalid transform\/bound byte 0x1/);
  assert.throws(() => decodeBounded(corrupt(2, 0x30)), /invalid transform\/bound byte/);
  assert.throws(() => decodeBounded(Uint8Array.of(...bytes, 1, 2, 3, 4, 5, 6)), FormatError);
  const withPrediction = encodeBounded(image, {
    height: 4,
    width: 4,
    bound: { kind: "rel", r: 0.1 },
    prediction: image,
    modes: [{ predictor: "lorenzo", usePrediction: true, symmetry: "none" }],
  });
  assert.throws(() => decodeBounded(withPrediction), /needs the prediction/);
});

Deno.test("decodeBounded() answers garbage bodies with an image or a FormatError, never another error", () => {
  const image = sasLike(16, 16, 14, 0.2);
  const bytes = encodeBounded(image, { height: 16, width: 16, bound: { kind: "rel", r: 0.01 } });
  const bodyStart = 10; // version, mode, domain, H, W, float32 bound, margin exponent
  const rand = mulberry32(15);
  for (let trial = 0; trial < 300; trial++) {
    const bad = bytes.slice();
    for (let j = bodyStart; j < bad.length; j++) {
      if (rand() < 0.3) bad[j] = Math.floor(256 * rand());
    }
    const cut = rand() < 0.3
      ? bad.subarray(0, bodyStart + Math.floor(rand() * (bad.length - bodyStart)))
      : bad;
    try {
      assert.equal(decodeBounded(cut).image.length, 256);
    } catch (e) {
      assert.ok(e instanceof FormatError, `trial ${trial}: ${e}`);
    }
  }
});

Deno.test("sigmaTolerance() never exceeds k·σ for any σ within the coded relative bound", () => {
  const rand = mulberry32(12);
  const sigma = Float32Array.from({ length: 1000 }, () => 10 ** (8 * rand() - 4));
  const r = 0.01;
  const decoded = Float32Array.from(sigma, (s) => s * (1 + r * (2 * rand() - 1)));
  const tol = sigmaTolerance(decoded, 0.5, r);
  for (let i = 0; i < sigma.length; i++) {
    const worstSigma = decoded[i] / (1 + r); // smallest σ consistent with σ̂
    assert.ok(tol[i] <= 0.5 * worstSigma && tol[i] <= 0.5 * sigma[i], `pixel ${i}`);
    assert.ok(tol[i] > 0.5 * worstSigma * (1 - 1e-6), `pixel ${i} not tight`);
  }
});

Deno.test("encodeWithUncertainty() keeps |Î−I| ≤ K·σ for the original σ, zeros and negatives included", () => {
  const h = 30;
  const w = 30;
  const rand = mulberry32(17);
  const clean = sasLike(h, w, 17);
  const sigma = Float32Array.from(clean, (v, i) => (i % 97 === 0 ? 0 : 0.3 * Math.sqrt(v) + 1e-3));
  const image = Float32Array.from(
    clean,
    (v, i) => (i % 50 === 0 ? 0 : v + sigma[i] * 3 * (rand() - 0.5)),
  );
  image[5] = -2.5;
  const k = 0.5;
  const coded = encodeWithUncertainty(image, sigma, { height: h, width: w, k });
  const { image: out, sigma: sigmaOut } = decodeWithUncertainty(coded, k);
  for (let i = 0; i < image.length; i++) {
    assert.ok(Math.abs(out[i] - image[i]) <= k * sigma[i], `pixel ${i}`);
    assert.ok(Math.abs(sigmaOut[i] - sigma[i]) <= 0.01 * sigma[i], `sigma ${i}`);
  }
  assert.equal(out[0], 0); // σ = 0 there: stored exactly
});
