import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { maxRelativeDifference } from "../fixtures/tfjs_setup.ts";
import { resolveArchitecture } from "../../models/autoencoder.ts";
import {
  adaptLambda,
  adaptLambdaToRate,
  type EpochLog,
  staleBestNote,
  train,
  type TrainOptions,
} from "../../models/trainer.ts";
import { loadTrainedModel } from "../../models/trained_model.ts";
import { loadModel } from "../../models/model_io.ts";
import { FormatError, ModelError, UsageError } from "../../pipeline/errors.ts";
import { chunkedSource, sasImages } from "../fixtures/sas_images.ts";

const images = sasImages(160, 8, 2);
const temporary: string[] = [];
const makeTempDir = async () => {
  temporary.push(await Deno.makeTempDir({ prefix: "sasquash_models_" }));
  return temporary.at(-1)!;
};
globalThis.addEventListener("unload", () => {
  for (const dir of temporary) Deno.removeSync(dir, { recursive: true });
});
const source = chunkedSource(images, 64, 24);

function options(out: string, extra: Partial<TrainOptions> = {}): TrainOptions {
  return {
    out,
    arch: resolveArchitecture(64, { arch: "0.5,1", lambda: 0.01, f: "grad" }),
    imageShape: [8, 8],
    epochs: 4,
    batch: 16,
    learningRate: 3e-3,
    valFraction: 0.2,
    seed: 11,
    shuffleImages: 32,
    ...extra,
  };
}

Deno.test("training logs every epoch and saves a model that tfjs loads as a layers model", async () => {
  const out = await makeTempDir();
  const { logs } = await train(source, options(out));
  assert.equal(logs.length, 4);
  assert.ok(logs[3].loss < logs[0].loss, `loss ${logs[0].loss} → ${logs[3].loss}`);
  assert.ok(logs[3].val_rel_l2! < logs[0].val_rel_l2!);
  const lines = (await Deno.readTextFile(`${out}/log.ndjson`)).trim().split("\n").map((l) =>
    JSON.parse(l)
  );
  assert.deepEqual(lines.map((l) => l.epoch), [1, 2, 3, 4]);
  const keys = ["loss", "val_rel_l2", "val_rms_rel", "val_max_rel", "nnz_mean", "lambda"];
  keys.push("val_rel_l2_median", "val_rms_rel_median");
  for (const key of [...keys, "images_per_second"]) {
    assert.equal(typeof lines[0][key], "number", key);
  }
  assert.equal(lines[0].train_images + lines[0].val_images, 160);
  const trained = await loadTrainedModel(out);
  const some = images.slice(0, 5 * 64);
  const z = await trained.encode(some);
  const mine = await trained.decodeNetwork(z, 5);
  const manifest = JSON.parse(await Deno.readTextFile(`${out}/model.json`));
  const weightData = (await Deno.readFile(`${out}/weights.bin`)).buffer;
  const layers = await tf.loadLayersModel(tf.io.fromMemory({
    modelTopology: manifest.modelTopology,
    weightSpecs: manifest.weightsManifest[0].weights,
    weightData,
  }));
  const x = tf.tensor2d(trained.toNetwork(some), [5, 64]);
  const theirs = (layers.predict(x) as tf.Tensor).dataSync();
  assert.ok(maxRelativeDifference(mine, theirs) < 1e-4);
  const reconstruction = await trained.decode(z, "z", trained.scales(some));
  assert.equal(reconstruction.length, some.length);
  assert.ok(reconstruction.every((v) => v > 0), "reconstructions are intensities");
  trained.dispose();
  layers.dispose();
  x.dispose();
});

Deno.test("resume after an epoch and after an interrupt equals an uninterrupted run", async () => {
  // Extending a finished 2-epoch run to 4 keeps the schedule only when it does not depend on
  // the epoch count (constant); the interrupt-and-resume part holds for either schedule.
  for (const schedule of ["constant", "cosine"] as const) {
    const straight = await makeTempDir();
    await train(source, options(straight, { schedule }));
    const expected = (await loadModel(straight)).weights;
    const resumed = await makeTempDir();
    if (schedule === "constant") await train(source, options(resumed, { epochs: 2, schedule }));
    const controller = new AbortController();
    let batches = 0;
    const stop = () => ++batches === 3 && controller.abort();
    const first = await train(
      source,
      options(resumed, {
        resume: schedule === "constant",
        signal: controller.signal,
        onBatch: stop,
        schedule,
      }),
    );
    assert.equal(first.interrupted, true);
    const started: number[] = [];
    await train(
      source,
      options(resumed, { resume: true, onEpochStart: (e) => started.push(e), schedule }),
    );
    assert.deepEqual(
      started,
      schedule === "constant" ? [3, 4] : [1, 2, 3, 4],
      "epochs are numbered on from the checkpoint",
    );
    const actual = (await loadModel(resumed)).weights;
    actual.forEach((w, i) =>
      assert.deepEqual(w, expected[i], `${schedule}: weight ${i} differs after resume`)
    );
    const log = (await Deno.readTextFile(`${resumed}/log.ndjson`)).trim().split("\n");
    assert.deepEqual(log.map((l) => JSON.parse(l).epoch), [1, 2, 3, 4]);
  }
});

Deno.test("adaptive λ rises while the error is under target and falls while over", async () => {
  assert.ok(adaptLambda(1, 0.05, 0.1) > 1);
  assert.ok(adaptLambda(1, 0.2, 0.1) < 1);
  assert.equal(adaptLambda(1, 100, 0.1), 0.5);
  const looseDir = await makeTempDir();
  const loose = await train(source, options(looseDir, { targetError: 5 }));
  const lambdasUp = loose.logs.map((l) => l.lambda);
  assert.ok(lambdasUp.every((l, i) => i === 0 || l > lambdasUp[i - 1]), `λ ${lambdasUp}`);
  const tight = await train(source, options(await makeTempDir(), { targetError: 1e-4 }));
  const lambdasDown = tight.logs.map((l) => l.lambda);
  assert.ok(lambdasDown.every((l, i) => i === 0 || l < lambdasDown[i - 1]), `λ ${lambdasDown}`);
  const saved = JSON.parse(await Deno.readTextFile(`${looseDir}/sasquash.json`));
  assert.equal(saved.architecture.lambda, adaptLambda(lambdasUp[3], loose.logs[3].val_rel_l2!, 5));
});

Deno.test("--target-nnz: λ follows the rate, and best/ keeps only epochs at or under it", async () => {
  assert.equal(adaptLambdaToRate(1, 20, 10), 2);
  assert.equal(adaptLambdaToRate(1, 0, 10), 0.5);
  assert.equal(adaptLambdaToRate(0.3, 11, 10), 0.3 * Math.exp(0.1));
  assert.equal(adaptLambdaToRate(1, 10, 10), 1);
  const out = await makeTempDir();
  // ‖f(z)‖₀ of the 32-unit latent after training is a few units (test data): a target of 1 keeps
  // raising λ, and the first epochs are over the rate, so best/ holds a later one or none.
  const run = await train(source, options(out, { targetNnz: 1 }));
  const logs = run.logs;
  for (let i = 1; i < logs.length; i++) {
    assert.equal(logs[i].lambda, adaptLambdaToRate(logs[i - 1].lambda, logs[i - 1].nnz_mean!, 1));
  }
  assert.ok(logs[0].nnz_mean! > 1, `epoch 1 ‖f(z)‖₀ ${logs[0].nnz_mean}`);
  assert.ok(logs[1].lambda > logs[0].lambda);
  const saved = JSON.parse(await Deno.readTextFile(`${out}/sasquash.json`));
  assert.equal(saved.training.target_nnz, 1);
  const within = logs.filter((l) => l.nnz_mean! <= 1);
  if (within.length === 0) {
    assert.equal(saved.training.best_epoch, null);
    assert.equal(await Deno.stat(`${out}/best`).then(() => true, () => false), false);
  } else {
    const best = within.reduce((a, b) => (b.val_rel_l2! < a.val_rel_l2! ? b : a));
    assert.equal(saved.training.best_epoch, best.epoch);
  }
  // A loose target keeps every epoch eligible, so best/ is the lowest-error epoch of all.
  const looseOut = await makeTempDir();
  const loose = await train(source, options(looseOut, { targetNnz: 1e6 }));
  const lowest = loose.logs.reduce((a, b) => (b.val_rel_l2! < a.val_rel_l2! ? b : a));
  const looseSaved = JSON.parse(await Deno.readTextFile(`${looseOut}/sasquash.json`));
  assert.equal(looseSaved.training.best_epoch, lowest.epoch);
  assert.ok(loose.logs.every((l, i) => i === 0 || l.lambda < loose.logs[i - 1].lambda));
});

Deno.test("the final epoch better than best/ but over --target-nnz is named, with both rates", () => {
  const log = (epoch: number, median: number, nnz: number): EpochLog => ({
    epoch,
    loss: 0,
    val_rel_l2: 0.3,
    val_rms_rel: 0.4,
    val_max_rel: 8,
    val_rel_l2_median: 0.09,
    val_rms_rel_median: median,
    nnz_mean: nnz,
    lambda: 1,
    images_per_second: 500,
    gflops: 50,
    train_images: 100,
    val_images: 10,
    seconds: 1,
  });
  const logs = [log(1, 0.1, 39), log(2, 0.06, 42.5), log(3, 0.045, 41.25)];
  const options = {
    out: "runs/x",
    targetNnz: 40,
    targetMetric: "rms_rel",
    bestBy: "median",
  } as const;
  assert.equal(
    staleBestNote(logs, { epoch: 1, error: 0.1 }, options),
    "best/ holds epoch 1 (median RMS rel. 0.100); 2 later epochs were over --target-nnz 40 " +
      "(‖f(z)‖₀ up to 42.5). The final model in runs/x, epoch 3, has 0.0450 at ‖f(z)‖₀ 41.3: " +
      "evaluate both and pick by the byte ratio you need",
  );
  // best/ is the final epoch, the final epoch is worse, or no rate was asked for: nothing to say.
  assert.equal(staleBestNote(logs, { epoch: 3, error: 0.045 }, options), null);
  assert.equal(staleBestNote(logs, { epoch: 1, error: 0.04 }, options), null);
  assert.equal(
    staleBestNote(logs, { epoch: 1, error: 0.1 }, { ...options, targetNnz: undefined }),
    null,
  );
  // By the mean rel. L2 (the defaults) the final epoch's 0.3 is compared, not the median.
  assert.equal(staleBestNote(logs, { epoch: 1, error: 0.2 }, { out: "r", targetNnz: 40 }), null);
  assert.match(
    staleBestNote(logs, { epoch: 1, error: 0.5 }, { out: "r", targetNnz: 40 })!,
    /mean rel\. L2 0\.500/,
  );
});

Deno.test("--best-by median keeps the epoch with the lowest median validation error", async () => {
  const out = await makeTempDir();
  const run = await train(source, options(out, { bestBy: "median", targetMetric: "rms_rel" }));
  const medians = run.logs.map((l) => l.val_rms_rel_median!);
  const lowest = medians.indexOf(Math.min(...medians));
  const saved = JSON.parse(await Deno.readTextFile(`${out}/sasquash.json`));
  assert.equal(saved.training.best_by, "median");
  assert.equal(saved.training.best_epoch, run.logs[lowest].epoch);
  assert.equal(saved.training.best_val_error, medians[lowest]);
  // The median is its own statistic: not the mean the default keeps.
  assert.notEqual(medians[lowest], run.logs[lowest].val_rms_rel);
});

Deno.test("--loss rel trains on a log transform and is refused on linear-max", async () => {
  const out = await makeTempDir();
  const run = await train(source, options(out, { loss: "rel", epochs: 2 }));
  assert.ok(run.logs.every((l) => Number.isFinite(l.loss) && l.loss > 0));
  const saved = JSON.parse(await Deno.readTextFile(`${out}/sasquash.json`));
  assert.equal(saved.training.loss, "rel");
  const linear = options(await makeTempDir(), { loss: "log-rel", transform: "linear-max" });
  await assert.rejects(
    () => train(source, linear),
    (e) => e instanceof UsageError && /--loss log-rel .* needs a log transform/.test(e.message),
  );
});

Deno.test("bad data throws FormatError naming the source", async () => {
  const out = await makeTempDir();
  const ragged = async function* () {
    yield new Float32Array(100);
  };
  await assert.rejects(
    () => train(ragged, options(out)),
    (e) => e instanceof FormatError && /64-pixel/.test(e.message),
  );
  const nan = images.slice(0, 64 * 4);
  nan[70] = NaN;
  await assert.rejects(
    () => train(chunkedSource(nan, 64), options(out)),
    (e) => e instanceof FormatError && /image 1 pixel 6 is NaN/.test(e.message),
  );
  const wrongType = async function* () {
    yield new Float64Array(64) as unknown as Float32Array;
  };
  await assert.rejects(() => train(wrongType, options(out)), /float32/);
});

Deno.test("a missing or damaged model directory throws ModelError naming the file", async () => {
  await assert.rejects(
    () => loadTrainedModel("/nonexistent/run"),
    (e) => e instanceof ModelError && e.message.includes("/nonexistent/run/sasquash.json"),
  );
  const out = await makeTempDir();
  await train(source, options(out, { epochs: 1 }));
  await Deno.remove(`${out}/weights.bin`);
  await assert.rejects(
    () => loadTrainedModel(out),
    (e) => e instanceof ModelError && /weights\.bin/.test(e.message),
  );
  const meta = JSON.parse(await Deno.readTextFile(`${out}/sasquash.json`));
  meta.architecture.f = "abs";
  await Deno.writeTextFile(`${out}/sasquash.json`, JSON.stringify(meta));
  await assert.rejects(() => loadTrainedModel(out), /architecture\.f/);
  const empty = await makeTempDir();
  await assert.rejects(() => train(source, options(empty, { resume: true })), /no checkpoint/);
});

Deno.test("with no validation images an epoch logs null errors, not NaN, and λ stays put", async () => {
  const out = await makeTempDir();
  const { logs } = await train(
    source,
    options(out, { valFraction: 0, epochs: 1, targetError: 0.1 }),
  );
  assert.equal(logs[0].val_images, 0);
  assert.equal(logs[0].val_rel_l2, null);
  assert.equal(logs[0].nnz_mean, null);
  assert.equal(logs[0].lambda, 0.01);
  const line = JSON.parse((await Deno.readTextFile(`${out}/log.ndjson`)).trim());
  assert.equal(line.val_rel_l2, null);
});

Deno.test("a time budget stops after the step that spends it; the best epoch is kept in best/", async () => {
  const out = await makeTempDir();
  const { logs } = await train(source, options(out, { epochs: Infinity, timeBudget: 1e-9 }));
  assert.equal(logs.length, 1);
  assert.equal(logs[0].train_images, 16, "one step of 16 images, then the budget is spent");
  const meta = JSON.parse(await Deno.readTextFile(`${out}/sasquash.json`));
  assert.equal(meta.training.time_budget_seconds, 1e-9);

  const full = await makeTempDir();
  const run = await train(source, options(full, { epochs: 4, warmupSteps: 0, learningRate: 0.1 }));
  const errors = run.logs.map((l) => l.val_rel_l2!);
  const best = errors.indexOf(Math.min(...errors)) + 1;
  assert.ok(best < 4, `lr 0.1 overshoots: the best epoch (${best}) is not the last`);
  const saved = JSON.parse(await Deno.readTextFile(`${full}/sasquash.json`));
  assert.equal(saved.training.best_epoch, best);
  assert.equal(saved.training.best_val_error, errors[best - 1]);
  // best/ is a model folder of that epoch: its own record names it, and its weights are the
  // final ones exactly when the last epoch was the best.
  const kept = JSON.parse(await Deno.readTextFile(`${full}/best/sasquash.json`));
  assert.equal(kept.training.best_epoch, best);
  const finalWeights = await Deno.readFile(`${full}/weights.bin`);
  const bestWeights = await Deno.readFile(`${full}/best/weights.bin`);
  assert.equal(bestWeights.length, finalWeights.length);
  const same = bestWeights.every((b, i) => b === finalWeights[i]);
  assert.equal(same, best === 4, `best epoch ${best} of 4`);
  (await loadTrainedModel(`${full}/best`)).dispose();
});
