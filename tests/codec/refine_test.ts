import assert from "node:assert/strict";
import "../fixtures/tfjs_setup.ts";
import { openModelCodec } from "../../codec/model_codec.ts";
import { quantizeLatent, type SparseCodeOptions } from "../../codec/sparse_code.ts";
import {
  checkRefineSettings,
  GROW_BY,
  growthCount,
  refineLadder,
  refineLatents,
  RefineObjective,
  type RefineStats,
} from "../../codec/refine.ts";
import { TrainedModel } from "../../models/trained_model.ts";
import { imageErrors } from "../../pipeline/image_error.ts";
import { UsageError } from "../../pipeline/errors.ts";
import { mulberry32 } from "../../pipeline/seeded_random.ts";
import { sasImages, trainTiny } from "../fixtures/sas_images.ts";

const dir = await Deno.makeTempDir();
const images = sasImages(40, 8, 11);
await trainTiny(images, `${dir}/model`, 4);
const codec = await openModelCodec(`${dir}/model`);
const model = codec.model;
const { n, ell } = model.arch;
const count = images.length / n;
const scales = model.scales(images);
const x = model.toNetwork(images);
const code: Omit<SparseCodeOptions, "gapModel"> = { f: "z", quant: "fp16", threshold: 0 };

/** Per-image metric of record of latents (decoded to intensity) against the images. */
async function errorsOf(latents: Float32Array, metric: "rms_rel" | "rel_l2"): Promise<number[]> {
  const back = await model.decode(latents, "test", scales);
  return Array.from({ length: count }, (_, i) => {
    const e = imageErrors(images.subarray(i * n, (i + 1) * n), back.subarray(i * n, (i + 1) * n));
    return e[metric];
  });
}

function quantizeRows(z: Float32Array, options = code): Float32Array {
  const out = new Float32Array(z.length);
  for (let r = 0; r < z.length / ell; r++) {
    out.set(quantizeLatent(z.subarray(r * ell, (r + 1) * ell), options), r * ell);
  }
  return out;
}

Deno.test("the refinement objective is the metric of record, and its gradient matches finite differences", async () => {
  const random = mulberry32(5);
  const z = Float32Array.from({ length: count * ell }, () => random() < 0.3 ? random() : 0);
  const linear = new TrainedModel(
    { ...model.meta, transform: { kind: "linear-per-image-max" } },
    model.network,
  );
  for (const metric of ["rms_rel", "rel_l2"] as const) {
    // Against intensities: the log transform's errors are exactly imageErrors of the decoded image.
    const objective = new RefineObjective(model, x, count, metric);
    const { errors, gradient } = await objective.evaluate(z, true);
    const want = await errorsOf(z, metric);
    errors.forEach((e, i) =>
      assert.ok(
        Math.abs(e - want[i]) <= 1e-4 * want[i] + 1e-9,
        `${metric} ${i}: ${e} vs ${want[i]}`,
      )
    );
    // Far off (codes 30× too large): e is still the metric exactly, the smooth form below it.
    const far = await new RefineObjective(model, x, count, metric).evaluate(
      z.map((v) => 30 * v),
      true,
    );
    const farWant = await errorsOf(z.map((v) => 30 * v), metric);
    far.errors.forEach((e, i) =>
      assert.ok(Math.abs(e - farWant[i]) <= 1e-4 * farWant[i], `far ${i}`)
    );
    assert.ok(far.smooth!.every((v, i) => v <= far.errors[i] * (1 + 1e-9)));
    assert.ok(far.smooth!.some((v, i) => v < 0.5 * far.errors[i]), "some pixel is > 10× over");
    for (const m of [model, linear]) {
      const xm = m === model ? x : m.toNetwork(images);
      const o = new RefineObjective(m, xm, count, metric);
      const g = m === model ? gradient! : (await o.evaluate(z, true)).gradient!;
      // Central differences on entries of image 3 (Σe over images: only image 3 moves).
      for (const j of [3 * ell + 1, 3 * ell + 17, 3 * ell + 60]) {
        const h = 1e-2;
        const at = (v: number) => {
          const zz = z.slice();
          zz[j] = v;
          return o.evaluate(zz, true).then((r) => r.smooth![3]);
        };
        const numeric = (await at(z[j] + h) - await at(z[j] - h)) / (2 * h);
        assert.ok(
          Math.abs(numeric - g[j]) <= 0.03 * Math.abs(numeric) + 1e-4,
          `${m.transform.kind} ${metric} entry ${j}: analytic ${g[j]}, numeric ${numeric}`,
        );
      }
    }
  }
});

Deno.test("refined codes are never worse per image, clearly better in total, and what the codec reproduces", async () => {
  const z = await model.encode(images, "test", scales);
  const plain = quantizeRows(z);
  const before = await errorsOf(plain, "rms_rel");
  const stats: RefineStats = { images: 0, improved: 0, errorBefore: 0, errorAfter: 0 };
  const settings = { steps: 40, nonzeros: 0, metric: "rms_rel", learningRate: 0.05 } as const;
  const refined = await refineLatents(model, x, z, code, settings, stats);
  const after = await errorsOf(refined, "rms_rel");
  after.forEach((e, i) =>
    assert.ok(e <= before[i] * (1 + 1e-5), `image ${i}: ${before[i]} → ${e}`)
  );
  const sum = (v: number[]) => v.reduce((a, b) => a + b, 0);
  assert.ok(sum(after) < 0.9 * sum(before), `Σ rms_rel ${sum(before)} → ${sum(after)}`);
  assert.equal(stats.images, count);
  assert.ok(stats.improved > count / 2, `${stats.improved} of ${count} improved`);
  assert.ok(Math.abs(stats.errorAfter - sum(after)) < 1e-3 * sum(after));
  // Fixed points of the quantizer: the file carries exactly these latents.
  assert.deepEqual(quantizeRows(refined), refined);
  // Without growth, a code only uses entries the encoder's code used.
  for (let i = 0; i < refined.length; i++) {
    if (refined[i] !== 0) assert.notEqual(plain[i], 0, `entry ${i} is new`);
  }
  // Deterministic.
  assert.deepEqual(await refineLatents(model, x, z, code, settings), refined);
});

Deno.test("--refine-nnz grows codes up to the limit and no further; ∇z codes refine too", async () => {
  const z = await model.encode(images, "test", scales);
  const plain = quantizeRows(z);
  const nonzeros = (v: Float32Array, r: number) =>
    v.subarray(r * ell, (r + 1) * ell).reduce((a, b) => a + (b !== 0 ? 1 : 0), 0);
  // Room for a few more entries than the longest code the encoder wrote.
  const limit = 4 + Math.max(...Array.from({ length: count }, (_, r) => nonzeros(plain, r)));
  const grown = await refineLatents(model, x, z, code, {
    steps: 30,
    nonzeros: limit,
    learningRate: 0.05,
    metric: "rel_l2",
  });
  let longer = 0;
  for (let r = 0; r < count; r++) {
    assert.ok(nonzeros(grown, r) <= Math.max(limit, nonzeros(plain, r)), `image ${r}`);
    if (nonzeros(grown, r) > nonzeros(plain, r)) longer++;
  }
  assert.equal(longer, count, "every code grew");
  const before = await errorsOf(plain, "rel_l2");
  const after = await errorsOf(grown, "rel_l2");
  after.forEach((e, i) =>
    assert.ok(e <= before[i] * (1 + 1e-5), `image ${i}: ${before[i]} → ${e}`)
  );

  const jumps = { ...code, f: "grad" as const };
  const g = await refineLatents(model, x, z, jumps, { steps: 20, nonzeros: 0, metric: "rms_rel" });
  assert.deepEqual(quantizeRows(g, jumps), g);
  const gBefore = await errorsOf(quantizeRows(z, jumps), "rms_rel");
  const gAfter = await errorsOf(g, "rms_rel");
  gAfter.forEach((e, i) => assert.ok(e <= gBefore[i] * (1 + 1e-5), `∇z image ${i}`));
  assert.ok(gAfter.reduce((a, b) => a + b) < gBefore.reduce((a, b) => a + b));
});

Deno.test("--refine-nnz K well past the growths' GROW_BY each still reaches K entries", async () => {
  // 300 steps grow 12 times (steps 1, 11, …, 111 < 120); 30 steps twice; 10 steps once (step 1).
  assert.equal(growthCount(300), 12);
  assert.equal(growthCount(30), 2);
  assert.equal(growthCount(10), 1);
  assert.equal(growthCount(1), 0);
  const z = await model.encode(images, "test", scales);
  const plain = quantizeRows(z);
  const nonzeros = (v: Float32Array, r: number) =>
    v.subarray(r * ell, (r + 1) * ell).reduce((a, b) => a + (b !== 0 ? 1 : 0), 0);
  const longest = Math.max(...Array.from({ length: count }, (_, r) => nonzeros(plain, r)));
  // Two growths of GROW_BY could add at most 2·GROW_BY entries; K asks for more than that.
  const limit = Math.min(ell, longest + 2 * GROW_BY + 6);
  assert.ok(limit > longest + 2 * GROW_BY, `ℓ = ${ell} leaves room for the test`);
  const grown = await refineLatents(model, x, z, code, {
    steps: 30,
    nonzeros: limit,
    learningRate: 0.05,
    metric: "rel_l2",
  });
  const lengths = Array.from({ length: count }, (_, r) => nonzeros(grown, r));
  assert.ok(lengths.every((k) => k <= limit), `lengths ${lengths}`);
  assert.ok(
    lengths.some((k, r) => k > nonzeros(plain, r) + 2 * GROW_BY),
    `no code grew past ${2 * GROW_BY} entries: ${lengths}`,
  );
});

Deno.test("refine settings are checked and name the flag", () => {
  const ok = { steps: 10, nonzeros: 0, metric: "rms_rel" } as const;
  assert.deepEqual(checkRefineSettings(ok), ok);
  assert.throws(() => checkRefineSettings({ ...ok, steps: -1 }), UsageError);
  assert.throws(
    () => checkRefineSettings({ ...ok, steps: 0, nonzeros: 5 }),
    (e: Error) => e instanceof UsageError && /--refine-nnz needs --refine/.test(e.message),
  );
  assert.throws(
    () => checkRefineSettings({ ...ok, metric: "max_rel" as never }),
    (e: Error) => e instanceof UsageError && /--refine-metric/.test(e.message),
  );
  assert.throws(() => checkRefineSettings({ ...ok, learningRate: 0 }), UsageError);
  assert.throws(
    () => checkRefineSettings({ ...ok, target: 0.05 }),
    (e: Error) => e instanceof UsageError && /--refine-target needs --refine-nnz/.test(e.message),
  );
  for (const target of [0, -1, NaN, Infinity]) {
    assert.throws(
      () => checkRefineSettings({ ...ok, nonzeros: 8, target }),
      (e: Error) =>
        e instanceof UsageError && /--refine-target: expected a positive/.test(e.message),
    );
  }
});

Deno.test("--refine-target: each image keeps the shortest rung within the target, else its K-code", async () => {
  assert.deepEqual(refineLadder(80), [20, 40, 80]);
  assert.deepEqual(refineLadder(10), [3, 5, 10]);
  assert.deepEqual(refineLadder(2), [1, 2]);
  assert.deepEqual(refineLadder(1), [1]);
  const z = await model.encode(images, "test", scales);
  const plain = quantizeRows(z);
  const nonzeros = (v: Float32Array, r: number) =>
    v.subarray(r * ell, (r + 1) * ell).reduce((a, b) => a + (b !== 0 ? 1 : 0), 0);
  const K = 12;
  const base = { steps: 30, nonzeros: K, metric: "rms_rel", learningRate: 0.05 } as const;
  const newStats = (): RefineStats => ({ images: 0, improved: 0, errorBefore: 0, errorAfter: 0 });
  const plainErrors = await errorsOf(plain, "rms_rel");

  // Unreachable target: every image goes through every rung and ends as without a target.
  const none = newStats();
  const atK = await refineLatents(model, x, z, code, base);
  const strict = await refineLatents(model, x, z, code, { ...base, target: 1e-12 }, none);
  assert.deepEqual(strict, atK);
  assert.deepEqual(none.rungs, [0, 0, count]);
  assert.equal(none.withinTarget, 0);
  assert.ok(
    Math.abs(none.errorBefore - plainErrors.reduce((a, b) => a + b)) < 1e-6 * none.errorBefore,
  );

  // A target every code meets: the first rung (3 entries) for all, even codes the encoder made longer.
  const loose = newStats();
  const short = await refineLatents(model, x, z, code, { ...base, target: 1e9 }, loose);
  assert.deepEqual(loose.rungs, [count, 0, 0]);
  assert.equal(loose.withinTarget, count);
  for (let r = 0; r < count; r++) {
    assert.ok(nonzeros(short, r) <= 3, `image ${r}: ${nonzeros(short, r)}`);
  }
  assert.ok(
    plain.some((_, r) => r < count && nonzeros(plain, r) > 3),
    "some encoder code is longer",
  );
  assert.deepEqual(quantizeRows(short), short);
  // ∇z codes: a rung limits the jumps (the coded entries), not the non-zero latents.
  const jumps = { ...code, f: "grad" as const };
  const jumpsOf = (v: Float32Array, r: number) => {
    let k = 0;
    for (let i = r * ell, previous = 0; i < (r + 1) * ell; previous = v[i++]) {
      if (v[i] !== previous) k++;
    }
    return k;
  };
  const gShort = await refineLatents(model, x, z, jumps, { ...base, target: 1e9 });
  for (let r = 0; r < count; r++) {
    assert.ok(jumpsOf(gShort, r) <= 3, `∇z image ${r}: ${jumpsOf(gShort, r)} jumps`);
  }
  assert.deepEqual(quantizeRows(gShort, jumps), gShort);

  // A target in between (past the median of the K-codes' errors): the rungs split the images.
  const atKErrors = await errorsOf(atK, "rms_rel");
  // (Between two images' errors, so that no image sits on the boundary.)
  const sorted = [...atKErrors].sort((a, b) => a - b);
  const target = (sorted[count / 2] + sorted[count / 2 + 1]) / 2;
  const mid = newStats();
  const split = await refineLatents(model, x, z, code, { ...base, target }, mid);
  const errors = await errorsOf(split, "rms_rel");
  const ladder = refineLadder(K);
  assert.equal(mid.rungs!.reduce((a, b) => a + b), count);
  assert.equal(mid.withinTarget, errors.filter((e) => e <= target * (1 + 1e-6)).length);
  assert.ok(mid.withinTarget! >= count / 2, `${mid.withinTarget} within ${target}`);
  for (let r = 0; r < count; r++) {
    const k = nonzeros(split, r);
    // (At the last rung, as without a target, a code the encoder made longer may keep its length.)
    assert.ok(k <= Math.max(K, nonzeros(plain, r)), `image ${r}: ${k} entries`);
    // Over the target only at the last rung, where it keeps its best code of ≤ K entries.
    if (errors[r] > target * (1 + 1e-6)) {
      assert.deepEqual(
        split.subarray(r * ell, (r + 1) * ell),
        atK.subarray(r * ell, (r + 1) * ell),
      );
    }
  }
  assert.ok(mid.rungs![0] + mid.rungs![1] > 0, `rungs ${mid.rungs} of ${ladder}`);
  const mean = (v: Float32Array) =>
    Array.from({ length: count }, (_, r) => nonzeros(v, r)).reduce((a, b) => a + b) / count;
  assert.ok(mean(split) < mean(atK), `mean length ${mean(split)} vs ${mean(atK)} at K`);
});

addEventListener("unload", () => model.dispose());
