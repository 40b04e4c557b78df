import assert from "node:assert/strict";
import { loadModel } from "../../models/model_io.ts";
import { sasImages } from "../fixtures/sas_images.ts";
import { imageStream as stream } from "../fixtures/image_stream.ts";
import { task } from "../fixtures/run_task.ts";

const trainTask = (...args: string[]) => task("train", ...args);

/** Largest |a − b| over all weight arrays of two model directories. */
async function weightDistance(a: string, b: string): Promise<number> {
  const [wa, wb] = [(await loadModel(a)).weights, (await loadModel(b)).weights];
  let most = 0;
  wa.forEach((w, i) => w.forEach((v, j) => most = Math.max(most, Math.abs(v - wb[i][j]))));
  return most;
}

const meta = async (dir: string) => JSON.parse(await Deno.readTextFile(`${dir}/sasquash.json`));

Deno.test("train --init starts from the model's weights, transform and λ, and records where from", async () => {
  const dir = await Deno.makeTempDir();
  const data = await stream(`${dir}/train.ndjson`, sasImages(64, 8, 4), [8, 8]);
  const base = `${dir}/base`;
  const common = ["--data", data, "--epochs", "1", "--batch", "16", "--quiet"];
  const first = await trainTask(...common, "--out", base, "--arch", "1,2", "--lambda", "0.02");
  assert.equal(first.code, 0, first.stderr);
  // A learning rate far below float32 resolution: the run's weights are the base's to 1e-20.
  const still = ["--lr", "1e-30", "--seed", "9"];
  const tuned = `${dir}/tuned`;
  const result = await trainTask(...common, ...still, "--out", tuned, "--init", base);
  assert.equal(result.code, 0, result.stderr);
  assert.ok(await weightDistance(base, tuned) < 1e-20);
  const fresh = `${dir}/fresh`;
  assert.equal((await trainTask(...common, ...still, "--out", fresh, "--arch", "1,2")).code, 0);
  assert.ok(await weightDistance(base, fresh) > 1e-3, "a fresh initialization is another network");
  const [b, t] = [await meta(base), await meta(tuned)];
  assert.deepEqual(t.transform, b.transform, "the fitted transform, not a refit");
  assert.deepEqual(t.architecture, b.architecture, "widths, f and λ = 0.02 from the model");
  assert.equal(t.training.init, base);
  // The validation split is the base's (seed 0), not this run's --seed 9: those images are unseen.
  assert.equal(t.training.split_seed, 0);
  assert.equal(t.training.seed, 9);
  assert.equal((await meta(fresh)).training.split_seed, 9);
  assert.equal(b.training.init, null);
  const wide = `${dir}/wide`;
  const widened = await trainTask(
    ...common,
    ...still,
    "--out",
    wide,
    "--init",
    base,
    "--widen",
    "100",
  );
  assert.equal(widened.code, 0, widened.stderr);
  assert.equal((await meta(wide)).architecture.m, 100, "m = 64 widened to 100");
  assert.equal((await loadModel(wide)).weights[0].length, 64 * 100);
  const relambda = `${dir}/relambda`;
  const again = await trainTask(...common, "--out", relambda, "--init", base, "--lambda", "0.5");
  assert.equal(again.code, 0, again.stderr);
  assert.equal((await meta(relambda)).architecture.lambda, 0.5);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("train --init refuses widths, --widen without it or not wider, another image shape, a missing model, and a resume without it", async () => {
  const dir = await Deno.makeTempDir();
  const data = await stream(`${dir}/train.ndjson`, sasImages(48, 8, 4), [8, 8]);
  const base = `${dir}/base`;
  const common = ["--data", data, "--epochs", "1", "--batch", "16", "--quiet"];
  assert.equal((await trainTask(...common, "--out", base, "--arch", "1,2")).code, 0);
  const refused = async (pattern: RegExp, ...args: string[]) => {
    const result = await trainTask(...args);
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, pattern);
    assert.equal(result.stderr.trim().split("\n").length, 1, result.stderr);
  };
  const out = ["--out", `${dir}/tuned`];
  const init = ["--init", base];
  await refused(/--init and --arch do not combine/, ...common, ...out, ...init, "--arch", "1,1");
  await refused(
    /--init and --transform do not combine/,
    ...common,
    ...out,
    ...init,
    "--transform=linear-max",
  );
  await refused(/--init: .*missing/, ...common, ...out, "--init", `${dir}/missing`);
  await refused(
    /--widen widens the model of --init; give --init DIR/,
    ...common,
    ...out,
    "--widen",
    "80",
  );
  await refused(
    /--widen 64: must be an integer above the model's m = 64/,
    ...common,
    ...out,
    ...init,
    "--widen",
    "64",
  );
  const small = await stream(`${dir}/small.ndjson`, sasImages(16, 4, 4), [4, 4]);
  await refused(
    new RegExp(`--init ${base}: the model was trained on 8×8 images, ${small} holds 4×4`),
    "--data",
    small,
    ...out,
    "--init",
    base,
    "--quiet",
  );
  assert.equal((await trainTask(...common, ...out, "--init", base)).code, 0);
  const more = [...common, ...out, "--resume", "--epochs", "2"];
  await refused(new RegExp(`--init ${base} \\(this run unset\\)`), ...more, "--arch", "1,2");
  const resumed = await trainTask(...more, "--init", base);
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.equal((await meta(`${dir}/tuned`)).training.init, base);
  await Deno.remove(dir, { recursive: true });
});
