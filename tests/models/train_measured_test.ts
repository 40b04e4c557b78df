import assert from "node:assert/strict";
import { openRecordSource } from "../../pipeline/record_source.ts";
import { headerSha256 } from "../../pipeline/record_format.ts";
import { REAL_H5, REAL_NIST, REAL_P123, withIntensity } from "../fixtures/measured_files.ts";
import { task } from "../fixtures/run_task.ts";

const dir = await Deno.makeTempDir();
// three 150 × 150 measurements of run 33837: two NIST tables and the NXcanSAS file
await Deno.mkdir(`${dir}/night`);
await Deno.copyFile(REAL_NIST, `${dir}/night/a.dat`);
await Deno.copyFile(REAL_NIST, `${dir}/night/b.dat`);
await Deno.copyFile(REAL_H5, `${dir}/night/c.h5`);

/** 45 latent units for 22 500 pixels: a small model that trains in a second. */
const SMALL = ["--arch", "0.002,0.002", "--epochs", "1", "--batch", "4", "--warmup", "0"];

Deno.test("train --data 'dir/*.dat' trains one epoch on measured files: a [150, 150] model", async () => {
  const r = await task("train", "--data", `${dir}/night/*.dat`, "--out", `${dir}/run`, ...SMALL);
  assert.equal(r.code, 0, r.stderr);
  const meta = JSON.parse(await Deno.readTextFile(`${dir}/run/sasquash.json`));
  assert.deepEqual(meta.image_shape, [150, 150]);
  assert.deepEqual([meta.architecture.n, meta.architecture.m], [22500, 45]);
  const { header } = await openRecordSource(`${dir}/night/*.dat`);
  assert.equal(meta.data.header_sha256, await headerSha256(header));
  const log = (await Deno.readTextFile(`${dir}/run/log.ndjson`)).trim().split("\n")
    .map((l) => JSON.parse(l));
  assert.equal(log.length, 1);
  assert.equal(log[0].train_images + log[0].val_images, 2);
  assert.ok(Number.isFinite(log[0].loss), `loss ${log[0].loss}`);
  assert.ok((await Deno.stat(`${dir}/run/gap_model.json`)).size > 0);
});

Deno.test("train --data mixes .h5 and .dat files of one shape, and reads one .h5 alone", async () => {
  const mixed = await task("train", "--data", `${dir}/night/*`, "--out", `${dir}/mixed`, ...SMALL);
  assert.equal(mixed.code, 0, mixed.stderr);
  const log = JSON.parse(await Deno.readTextFile(`${dir}/mixed/log.ndjson`));
  assert.equal(log.train_images + log.val_images, 3);
  const one = await task("train", "--data", REAL_H5, "--out", `${dir}/one`, ...SMALL, "--val", "0");
  assert.equal(one.code, 0, one.stderr);
  const meta = JSON.parse(await Deno.readTextFile(`${dir}/one/sasquash.json`));
  assert.deepEqual(meta.image_shape, [150, 150]);
});

Deno.test("train --data with files of two shapes, or a NaN pixel, is one line and exit 1", async () => {
  await Deno.mkdir(`${dir}/bad`);
  await Deno.copyFile(REAL_NIST, `${dir}/bad/a.dat`);
  await Deno.copyFile(REAL_P123, `${dir}/bad/b.dat`);
  const shapes = await task("train", "--data", `${dir}/bad/*.dat`, "--out", `${dir}/r1`, ...SMALL);
  assert.equal(shapes.code, 1);
  assert.equal(
    shapes.stderr,
    `train: error: ${dir}/bad/b.dat: 100×100 image, but ${dir}/bad/a.dat is 150×150; ` +
      `every file of ${dir}/bad/*.dat must have one shape`,
  );
  await Deno.remove(`${dir}/bad/b.dat`);
  await withIntensity(REAL_NIST, `${dir}/bad/b.dat`, 150 * 75 + 3, NaN);
  const nan = await task("train", "--data", `${dir}/bad/*.dat`, "--out", `${dir}/r2`, ...SMALL);
  assert.equal(nan.code, 1);
  assert.match(
    nan.stderr,
    /^train: error: .*\/bad\/b\.dat: I is NaN at pixel 11253 \(row 75, column 3\); [^\n]*$/,
  );
});
