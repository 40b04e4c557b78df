import assert from "node:assert/strict";
import "../fixtures/tfjs_setup.ts";
import { resolveArchitecture } from "../../models/autoencoder.ts";
import { train, type TrainOptions } from "../../models/trainer.ts";
import { loadCheckpoint } from "../../models/checkpoint.ts";
import { TrainedModelError, UsageError } from "../../pipeline/errors.ts";
import { chunkedSource, sasImages } from "../fixtures/sas_images.ts";

const images = sasImages(96, 8, 4);
const source = chunkedSource(images, 64, 24);
const options = (out: string, extra: Partial<TrainOptions> = {}): TrainOptions => ({
  out,
  arch: resolveArchitecture(64, { arch: "0.5,1", lambda: 0.01, f: "z" }),
  imageShape: [8, 8],
  epochs: 2,
  batch: 16,
  learningRate: 3e-3,
  valFraction: 0.2,
  seed: 3,
  shuffleImages: 32,
  ...extra,
});

Deno.test("train --resume refuses other settings, naming each flag, and leaves the run as it was", async () => {
  const out = await Deno.makeTempDir();
  await train(source, options(out, { epochs: 1 }));
  const before = await Deno.readFile(`${out}/checkpoint.bin`);
  const other = {
    batch: 8,
    seed: 4,
    arch: resolveArchitecture(64, { arch: "0.5,1", lambda: 0.5, f: "z" }),
  };
  await assert.rejects(
    train(source, options(out, { ...other, resume: true })),
    (e: Error) =>
      e instanceof UsageError &&
      e.message === `--resume: ${out}/checkpoint.bin was written with other settings: ` +
          `--batch 16 (this run 8), --seed 3 (this run 4), --lambda 0.01 (this run 0.5); ` +
          `rerun with those or train afresh`,
  );
  assert.deepEqual(await Deno.readFile(`${out}/checkpoint.bin`), before);
  const log = await train(source, options(out, { resume: true }));
  assert.deepEqual(log.logs.map((l) => l.epoch), [2]);
});

Deno.test("train with loss rms records it in sasquash.json, and a resume must repeat it", async () => {
  const out = await Deno.makeTempDir();
  await train(source, options(out, { epochs: 1, loss: "rms" }));
  const meta = JSON.parse(await Deno.readTextFile(`${out}/sasquash.json`));
  assert.equal(meta.training.loss, "rms");
  await assert.rejects(
    train(source, options(out, { epochs: 2, resume: true })),
    (e: Error) =>
      e instanceof UsageError &&
      e.message === `--resume: ${out}/checkpoint.bin was written with other settings: ` +
          `--loss rms (this run mse); rerun with those or train afresh`,
  );
  const resumed = await train(source, options(out, { epochs: 2, loss: "rms", resume: true }));
  assert.deepEqual(resumed.logs.map((l) => l.epoch), [2]);
  const plain = await Deno.makeTempDir();
  await train(source, options(plain, { epochs: 1 }));
  assert.equal(JSON.parse(await Deno.readTextFile(`${plain}/sasquash.json`)).training.loss, "mse");
  await Deno.remove(out, { recursive: true });
  await Deno.remove(plain, { recursive: true });
});

Deno.test("a resume after a lost checkpoint write keeps one log line per epoch", async () => {
  const out = await Deno.makeTempDir();
  await train(source, options(out, { epochs: 1 }));
  // an epoch whose log line was written but whose checkpoint was not
  const line = (await Deno.readTextFile(`${out}/log.ndjson`)).replace('"epoch":1', '"epoch":2');
  await Deno.writeTextFile(`${out}/log.ndjson`, line, { append: true });
  await train(source, options(out, { resume: true }));
  const epochs = (await Deno.readTextFile(`${out}/log.ndjson`)).trim().split("\n")
    .map((l) => JSON.parse(l).epoch);
  assert.deepEqual(epochs, [1, 2]);
});

Deno.test("diverging training (lr 1e30) stops with one line and saves no model", async () => {
  const out = await Deno.makeTempDir();
  await assert.rejects(
    train(source, options(out, { learningRate: 1e30 })),
    (e: Error) =>
      e instanceof UsageError && /^training diverged/.test(e.message) &&
      /try a smaller --lr/.test(e.message),
  );
  await assert.rejects(Deno.stat(`${out}/sasquash.json`), Deno.errors.NotFound);
});

Deno.test("a cut or damaged checkpoint.bin is a TrainedModelError naming it", async () => {
  const out = await Deno.makeTempDir();
  await train(source, options(out, { epochs: 1 }));
  const bytes = await Deno.readFile(`${out}/checkpoint.bin`);
  for (const cut of [12, 40, bytes.length - 3]) {
    await Deno.writeFile(`${out}/cut.bin`, bytes.subarray(0, cut));
    await assert.rejects(
      loadCheckpoint(`${out}/cut.bin`),
      (e: Error) => e instanceof TrainedModelError && e.message.startsWith(`${out}/cut.bin: `),
      `cut at ${cut}`,
    );
  }
});
