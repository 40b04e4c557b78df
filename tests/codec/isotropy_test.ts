import assert from "node:assert/strict";
import "../fixtures/tfjs_setup.ts";
import {
  anisotropy,
  isotropicRows,
  projectIsotropic,
  radialClasses,
} from "../../models/isotropy.ts";
import { joinImageCode, splitImageCode } from "../../codec/image_code.ts";
import { decodeSqzHeader, encodeSqzHeader, type SqzHeader } from "../../codec/sqz_header.ts";
import { openModelCodec } from "../../codec/model_codec.ts";
import { RefineObjective } from "../../codec/refine.ts";
import { evaluateBatch } from "../../evaluate/evaluate_stream.ts";
import { decodeSqz } from "../../codec/sqz_container.ts";
import { unpackLabels } from "../../codec/label_blocks.ts";
import { FormatError } from "../../pipeline/errors.ts";
import { imageErrors } from "../../pipeline/image_error.ts";
import { makeChunk, makeHeader } from "../../pipeline/record_format.ts";
import { readAllRecords, writeRecords } from "../../pipeline/record_stream.ts";
import { mulberry32 } from "../../pipeline/seeded_random.ts";
import { chunkedSource, sasImages } from "../fixtures/sas_images.ts";
import { task } from "../fixtures/run_task.ts";
import { train } from "../../models/trainer.ts";
import { resolveArchitecture } from "../../models/autoencoder.ts";

Deno.test("equal-|q| classes of a grid are its rings of equal squared distance, counted by hand", () => {
  // 4×4: offsets ±1, ±3 half-pixels; squared distances 2 (4 centre pixels), 10 (8), 18 (corners).
  const { classOf, size } = radialClasses(4, 4);
  assert.deepEqual([...size], [4, 8, 4]);
  assert.deepEqual([...classOf], [2, 1, 1, 2, 1, 0, 0, 1, 1, 0, 0, 1, 2, 1, 1, 2]);
  // 1 × 5 (a 1-D profile): |−4| = |4|, |−2| = |2|, 0 alone: I(q) = I(−q).
  assert.deepEqual([...radialClasses(1, 5).classOf], [2, 1, 0, 1, 2]);
  // 8×8 has a class that is not a symmetry orbit: 1² + 7² = 5² + 5² = 50 (8 + 4 pixels).
  const eight = radialClasses(8, 8);
  const ring50 = eight.classOf[0 * 8 + 3]; // (2·0 − 7)² + (2·3 − 7)² = 49 + 1
  assert.equal(eight.classOf[1 * 8 + 1], ring50); // (−5)² + (−5)²
  assert.equal(eight.size[ring50], 12);
});

Deno.test("the isotropic projection averages flagged rows over classes, leaves others, and is idempotent", () => {
  const classes = radialClasses(4, 4);
  const values = Float32Array.from({ length: 32 }, (_, i) => i);
  const out = values.slice();
  projectIsotropic(out, Uint8Array.of(1, 0), classes);
  // Row 0: centre pixels 5, 6, 9, 10 → 7.5; corners 0, 3, 12, 15 → 7.5; edges → 7.5 by symmetry.
  assert.deepEqual([...out.subarray(0, 16)], new Array(16).fill(7.5));
  assert.deepEqual([...out.subarray(16)], [...values.subarray(16)]);
  const ramp = Float32Array.from({ length: 16 }, (_, p) => [1, 2, 4][classes.classOf[p]] + p % 2);
  const once = ramp.slice();
  projectIsotropic(once, Uint8Array.of(1), classes);
  assert.deepEqual([...once], Array.from(classes.classOf, (c) => [1, 2, 4][c] + 0.5));
  const twice = once.slice();
  projectIsotropic(twice, Uint8Array.of(1), classes);
  assert.deepEqual([...twice], [...once]);
  // Distance from isotropic: 0 for `once`; ±0.5 at every pixel for `ramp`.
  assert.deepEqual([...anisotropy(once, classes)], [0]);
  assert.deepEqual([...anisotropy(ramp, classes)], [0.5]);
});

Deno.test("an isotropy flag rides in the image scale: no byte more, negative scales included", () => {
  const sparse = Uint8Array.of(7, 8, 9);
  for (const [scale, flag] of [[-3, 1], [-3, 0], [0, 1], [16383, 1], [-16384, 0], [1234, 0]]) {
    const code = joinImageCode(scale, 2, sparse, flag);
    assert.equal(code.length, 5);
    assert.deepEqual(splitImageCode(code, 2, "t", true), {
      scale,
      sparse: code.subarray(2),
      isotropic: flag,
    });
  }
  // −5 = 2·(−3) + 1 on the wire; a reader that ignores the header bit would see −5.
  assert.equal(splitImageCode(joinImageCode(-3, 2, sparse, 1), 2, "t").scale, -5);
  assert.throws(() => joinImageCode(16384, 2, sparse, 0), FormatError);
  assert.throws(() => joinImageCode(-16385, 2, sparse, 1), FormatError);
});

Deno.test("the header's isotropy bit round-trips, and only sparse version-2 records may set it", () => {
  const base: SqzHeader = {
    modelId: Uint8Array.of(1, 2, 3),
    height: 8,
    width: 8,
    dtype: "float32",
    ell: 128,
    f: "z",
    quant: "fp16",
    gapModelId: 5,
  };
  const flagged = { ...base, isotropy: true, packedLabels: true };
  assert.deepEqual(decodeSqzHeader(encodeSqzHeader(flagged), "h"), flagged);
  assert.deepEqual(decodeSqzHeader(encodeSqzHeader(base), "h"), base);
  assert.throws(() => encodeSqzHeader({ ...base, isotropy: true }, 1), /version 1/);
  assert.throws(() => encodeSqzHeader({ ...flagged, records: "bounded" }), /not bounded records/);
  // A bounded header with the bit forced on (CRC recomputed) is refused on reading.
  const bytes = encodeSqzHeader({ ...base, records: "bounded" });
  const body = bytes.length - 4;
  bytes[body - 1] |= 0x40;
  new DataView(bytes.buffer).setUint32(body, crc32Of(bytes.subarray(0, body)), true);
  assert.throws(() => decodeSqzHeader(bytes, "forged.sqz"), /forged\.sqz: header: isotropy/);
});

function crc32Of(bytes: Uint8Array): number {
  let c = ~0;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ~c >>> 0;
}

/** Isotropic SAS-like images, and the same with a strong cos 2φ pattern (not isotropic). */
function fixtureImages(): Float32Array {
  const iso = sasImages(24, 8, 21);
  const aniso = sasImages(24, 8, 22);
  for (let k = 0; k < 24; k++) {
    for (let p = 0; p < 64; p++) {
      const angle = Math.atan2(Math.floor(p / 8) - 3.5, (p % 8) - 3.5);
      aniso[k * 64 + p] *= 1 + 0.8 * Math.cos(2 * angle);
    }
  }
  const all = new Float32Array(48 * 64);
  all.set(iso);
  all.set(aniso, iso.length);
  return all;
}

const dir = await Deno.makeTempDir();
const images = fixtureImages();
/** An 8×8 model of `images` in `dir/name`. */
function trainModel(name: string, epochs: number, lambda: number, more = {}) {
  return train(chunkedSource(images, 64), {
    out: `${dir}/${name}`,
    arch: resolveArchitecture(64, { arch: "1,2", lambda, f: "z" }),
    imageShape: [8, 8],
    epochs,
    batch: 16,
    learningRate: 3e-3,
    valFraction: 0.25,
    seed: 6,
    ...more,
  });
}
// Trained long enough to draw the cos 2φ pattern, which its isotropic decoding would erase.
await trainModel("model", 40, 1e-4);

Deno.test("each code is flagged isotropic exactly where that decoding has the lower error", async () => {
  const codec = await openModelCodec(`${dir}/model`, { isotropy: true });
  const plainCodec = await openModelCodec(`${dir}/model`);
  const flagged = await evaluateBatch(codec, images, "test");
  const plain = await evaluateBatch(plainCodec, images, "test");
  const flags = flagged.isotropic!;
  assert.equal(plain.isotropic, undefined);
  assert.deepEqual([...flagged.latents], [...plain.latents], "the same codes");
  const { n } = codec.model.arch;
  const scales = codec.model.scales(images);
  const all = await codec.model.decode(flagged.latents, "t", scales, new Uint8Array(48).fill(1));
  const classes = codec.model.radialClasses;
  for (let i = 0; i < 48; i++) {
    const row = (a: Float32Array) => a.subarray(i * n, (i + 1) * n);
    const image = row(images);
    const round = imageErrors(image, row(all)).rms_rel;
    const asIs = imageErrors(image, row(plain.reconstruction)).rms_rel;
    assert.equal(flags[i], round < asIs ? 1 : 0, `image ${i}: ${round} vs ${asIs}`);
    assert.ok(flagged.metrics[i].rms_rel <= asIs * (1 + 1e-6), `image ${i} no worse`);
    assert.equal(flagged.metrics[i].code_bytes, plain.metrics[i].code_bytes, "no byte more");
    // A flagged image decodes with every ring at one value.
    const decoded = row(flagged.reconstruction);
    if (flags[i]) {
      for (let p = 1; p < n; p++) {
        const first = classes.classOf.indexOf(classes.classOf[p]);
        assert.equal(decoded[p], decoded[first], `image ${i} pixel ${p}`);
      }
    }
  }
  const sum = (from: number) => flags.subarray(from, from + 24).reduce((a, b) => a + b, 0);
  assert.ok(sum(0) >= 12, `isotropic images mostly flagged: ${sum(0)} of 24`);
  assert.ok(sum(24) < sum(0), `fewer of the anisotropic ones: ${sum(24)}`);
  assert.equal(codec.isotropicImages, sum(0) + sum(24));
  // Refinement follows the isotropic decoding for images whose input is isotropic (to 1 %).
  const x = codec.model.toNetwork(images);
  const candidates = isotropicRows(x, codec.model.radialClasses, codec.model.transform);
  assert.deepEqual([...candidates], [...new Array(24).fill(1), ...new Array(24).fill(0)]);
});

Deno.test("the refinement objective of flagged rows is the error of the isotropic decoding, with its gradient", async () => {
  const codec = await openModelCodec(`${dir}/model`);
  const model = codec.model;
  const { n, ell } = model.arch;
  const rows = 6;
  // Images 22–27: two isotropic, then four anisotropic (for those P changes the gradient).
  const part = images.subarray(22 * n, (22 + rows) * n);
  const scales = model.scales(part);
  const x = model.toNetwork(part);
  const random = mulberry32(3);
  const z = Float32Array.from({ length: rows * ell }, () => random() < 0.3 ? random() : 0);
  const flags = Uint8Array.of(1, 0, 1, 0, 1, 1);
  const objective = new RefineObjective(model, x, rows, "rms_rel", flags);
  const { errors, gradient } = await objective.evaluate(z, true);
  const decoded = await model.decode(z, "t", scales, flags);
  for (let i = 0; i < rows; i++) {
    const want =
      imageErrors(part.subarray(i * n, (i + 1) * n), decoded.subarray(i * n, (i + 1) * n))
        .rms_rel;
    assert.ok(
      Math.abs(errors[i] - want) <= 1e-4 * want + 1e-9,
      `row ${i}: ${errors[i]} vs ${want}`,
    );
  }
  for (const j of [2 * ell + 5, 2 * ell + 40]) {
    const h = 1e-3;
    const at = async (v: number) => {
      const zz = z.slice();
      zz[j] = v;
      return (await objective.evaluate(zz, true)).smooth![2];
    };
    const numeric = (await at(z[j] + h) - await at(z[j] - h)) / (2 * h);
    assert.ok(
      Math.abs(numeric - gradient![j]) <= 0.03 * Math.abs(numeric) + 1e-4,
      `entry ${j}: analytic ${gradient![j]}, numeric ${numeric}`,
    );
  }
});

Deno.test("compress --isotropy writes flags decompress honours; the same bytes as without", async () => {
  const labels = Array.from({ length: 48 }, (_, i) => ({ index: i }));
  await writeRecords(`${dir}/in.ndjson`, makeHeader([8, 8]), [makeChunk([8, 8], images, labels)]);
  const common = ["--model", `${dir}/model`, "--in", `${dir}/in.ndjson`];
  const on = await task("compress", ...common, "--out", `${dir}/iso.sqz`, "--isotropy");
  assert.equal(on.code, 0, on.stderr);
  const off = await task("compress", ...common, "--out", `${dir}/plain.sqz`);
  assert.equal(off.code, 0, off.stderr);
  const [isoFile, plainFile] = [
    await Deno.readFile(`${dir}/iso.sqz`),
    await Deno.readFile(`${dir}/plain.sqz`),
  ];
  assert.equal(isoFile.length, plainFile.length, "no byte more");
  const parsed = decodeSqz(isoFile);
  assert.equal(parsed.header.isotropy, true);
  assert.equal(decodeSqz(plainFile).header.isotropy, undefined);
  const flags = unpackLabels(parsed.records).map((r) =>
    splitImageCode(r.code, 2, "r", true).isotropic
  );
  const count = flags.reduce((a, b) => a + b, 0);
  assert.ok(count > 0 && count < 48, `${count} of 48 flagged`);
  for (const [file, out] of [["iso.sqz", "iso.ndjson"], ["plain.sqz", "plain.ndjson"]]) {
    const r = await task(
      "decompress",
      "--model",
      `${dir}/model`,
      "--in",
      `${dir}/${file}`,
      "--out",
      `${dir}/${out}`,
    );
    assert.equal(r.code, 0, r.stderr);
  }
  const read = async (f: string) => (await readAllRecords(`${dir}/${f}`)).chunks[0].data;
  const [iso, plain] = [await read("iso.ndjson"), await read("plain.ndjson")];
  // What evaluate measured is what a reader of the file gets.
  const codec = await openModelCodec(`${dir}/model`, { isotropy: true });
  const evaluated = await evaluateBatch(codec, images, "test");
  assert.deepEqual([...evaluated.isotropic!], flags);
  assert.deepEqual([...iso as Float32Array], [...evaluated.reconstruction]);
  let differ = 0;
  for (let i = 0; i < 48; i++) {
    const same = (plain as Float32Array).subarray(i * 64, (i + 1) * 64).every((v, p) =>
      v === (iso as Float32Array)[i * 64 + p]
    );
    if (!flags[i]) assert.ok(same, `unflagged image ${i} decodes as before`);
    else if (!same) differ++;
  }
  assert.equal(differ, count, "every flagged image decodes differently");
  // evaluate reports the same flags, per image and in all.
  const out = `${dir}/report`;
  const evaluated2 = await task(
    "evaluate",
    "--model",
    `${dir}/model`,
    "--data",
    `${dir}/in.ndjson`,
    "--out",
    out,
    "--isotropy",
  );
  assert.equal(evaluated2.code, 0, evaluated2.stderr);
  const lines = (await Deno.readTextFile(`${out}/images.ndjson`)).trim().split("\n");
  assert.deepEqual(lines.map((l) => JSON.parse(l).isotropic ? 1 : 0), flags);
  const summary = JSON.parse(await Deno.readTextFile(`${out}/summary.json`));
  assert.equal(summary.isotropic_images, count);
  assert.equal(summary.model.isotropy, true);
});

Deno.test("compress --isotropy refuses bounded codes and a model without per-image side information", async () => {
  const common = ["--in", `${dir}/in.ndjson`, "--out", `${dir}/no.sqz`, "--isotropy"];
  const bounded = await task(
    "compress",
    ...common,
    "--model",
    `${dir}/model`,
    "--max-rel-error",
    "0.01",
  );
  assert.equal(bounded.code, 1, bounded.stderr);
  assert.match(
    bounded.stderr,
    /--isotropy flags the autoencoder's sparse codes, not error-bounded/,
  );
  await trainModel("global", 1, 1e-3, { transform: "log-global" });
  const global = await task("compress", ...common, "--model", `${dir}/global`);
  assert.equal(global.code, 1, global.stderr);
  assert.match(global.stderr, /--isotropy: .*global uses the log10-standardized transform/);
  await assert.rejects(Deno.stat(`${dir}/no.sqz`), Deno.errors.NotFound);
});
