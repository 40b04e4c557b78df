import "../fixtures/tfjs_setup.ts";
import assert from "node:assert/strict";
import { TrainedModelError, UsageError } from "../../pipeline/errors.ts";
import type { Measurement } from "../../pipeline/measurement.ts";
import { readMeasurement, writeMeasurement } from "../../pipeline/measurement_file.ts";
import { mulberry32 } from "../../pipeline/seeded_random.ts";
import { openModelCodec } from "../../codec/model_codec.ts";
import {
  compressMeasurementWithModel,
  decompressMeasurementWithModel,
} from "../../codec/measurement_model.ts";
import {
  compressMeasurement,
  decompressMeasurement,
  type MeasurementBound,
} from "../../codec/measurement_record.ts";
import { decodeSqz } from "../../codec/sqz_container.ts";
import { hexId } from "../../codec/sqz_header.ts";
import { setNativeKernels } from "../../models/native_kernels.ts";
import { sasImages, trainTiny } from "../fixtures/sas_images.ts";
import { task } from "../fixtures/run_task.ts";

const dir = await Deno.makeTempDir();
await trainTiny(sasImages(48, 8, 3), `${dir}/model`, 1);
await trainTiny(sasImages(48, 8, 3), `${dir}/other`, 2);
const codec = await openModelCodec(`${dir}/model`);

/**
 * An 8×8 "measurement" near the tiny model's own reconstruction (a fixed point of encode →
 * decode, then 0.5 % noise), with err(I), a masked NaN pixel, a negative and a zero pixel.
 */
async function nearModel(side = 8): Promise<Measurement> {
  let recon = sasImages(1, 8, 7);
  for (let k = 0; k < 12; k++) {
    recon = await codec.model.decode(
      await codec.model.encode(recon),
      "x",
      codec.model.scales(recon),
    );
  }
  const noise = mulberry32(5);
  const n = side * side;
  const intensity = Float64Array.from(
    { length: n },
    (_, i) => (recon[i % 64] ?? 1) * (1 + 0.005 * (noise() - 0.5)),
  );
  intensity[9] = NaN;
  intensity[20] = -0.25 * Math.abs(intensity[20]);
  intensity[33] = 0;
  const mask = new Uint8Array(n);
  mask[9] = 1;
  const axis = Float64Array.from({ length: side }, (_, i) => -0.1 + 0.2 * i / (side - 1));
  return {
    height: side,
    width: side,
    intensity,
    sigma: intensity.map((v) => 0.02 * Math.abs(Number.isNaN(v) ? 1 : v) + 1e-4),
    mask,
    qx: Float64Array.from({ length: n }, (_, i) => axis[i % side]),
    qy: Float64Array.from({ length: n }, (_, i) => axis[Math.floor(i / side)]),
    separable: true,
    extra: [],
    units: { q: "1/A", intensity: "1/cm" },
    title: "near the model",
    provenance: { file: "near.dat", format: "qxqy-ascii" },
    attributes: {},
  };
}

/** The first unmasked pixel of `back` outside `bound` of `m`, or -1. */
function outside(m: Measurement, back: Measurement, bound: MeasurementBound): number {
  return m.intensity.findIndex((v, i) => {
    if (m.mask?.[i]) return !Object.is(back.intensity[i], v);
    const limit = bound.kind === "sigma"
      ? bound.k * m.sigma![i]
      : bound.kind === "rel"
      ? bound.r * Math.abs(v)
      : bound.a;
    return !(Math.abs(back.intensity[i] - v) <= limit);
  });
}

const BOUNDS: MeasurementBound[] = [{ kind: "sigma", k: 0.5 }, { kind: "rel", r: 0.001 }];

for (const bound of BOUNDS) {
  Deno.test(`a measurement coded against the model's prediction (${bound.kind}): within the bound, decoded by either kernels`, async () => {
    const m = await nearModel();
    const { bytes, predicted } = await compressMeasurementWithModel(m, { bound }, codec, "near", {
      use: "model",
    });
    assert.ok(predicted);
    const { header, records } = decodeSqz(bytes, { name: "near.sqz" });
    assert.equal(hexId(header.modelId), hexId(codec.modelId));
    assert.equal(header.records, "measurement");
    assert.equal((records[0].label as { model?: boolean }).model, true);
    for (const native of [true, false]) {
      setNativeKernels(native);
      try {
        const back = await decompressMeasurementWithModel(bytes, "near.sqz", codec);
        assert.equal(outside(m, back, bound), -1);
        assert.deepEqual([back.qx, back.qy, back.mask], [m.qx, m.qy, m.mask]);
        assert.equal(back.intensity[33], bound.kind === "rel" ? 0 : back.intensity[33]);
        assert.ok(bound.kind !== "rel" || back.intensity[20] < 0);
      } finally {
        setNativeKernels(true);
      }
    }
  });
}

Deno.test("a measurement coded against a model is refused without it or with another model", async () => {
  const m = await nearModel();
  const { bytes } = await compressMeasurementWithModel(
    m,
    { bound: { kind: "rel", r: 0.01 } },
    codec,
    "near",
    { use: "model" },
  );
  await assert.rejects(
    () => decompressMeasurementWithModel(bytes, "near.sqz", null),
    (e: Error) =>
      e instanceof UsageError &&
      /^near\.sqz: made with model [0-9a-f]+; pass its folder with --model$/.test(e.message),
  );
  assert.throws(
    () => decompressMeasurement(bytes, "near.sqz"),
    (e: Error) => e instanceof UsageError && /decode it with the model/.test(e.message),
  );
  const other = await openModelCodec(`${dir}/other`);
  try {
    await assert.rejects(
      () => decompressMeasurementWithModel(bytes, "near.sqz", other),
      (e: Error) => e instanceof TrainedModelError && /^near\.sqz: made with model/.test(e.message),
    );
  } finally {
    other.model.dispose();
  }
});

Deno.test("auto keeps the model only when the record gets smaller; another shape is coded model-free", async () => {
  const bound = { kind: "sigma", k: 0.5 } as const;
  const m = await nearModel();
  const free = compressMeasurement(m, { bound });
  const auto = await compressMeasurementWithModel(m, { bound }, codec, "near");
  if (auto.predicted) assert.ok(auto.bytes.length < free.length, `${auto.bytes.length}`);
  else assert.deepEqual(auto.bytes, free);
  const wide = await nearModel(10);
  const other = await compressMeasurementWithModel(wide, { bound }, codec, "wide", {
    use: "model",
  });
  assert.equal(other.predicted, false);
  assert.deepEqual(other.bytes, compressMeasurement(wide, { bound }));
  // model-free files still decode through the model-aware reader, with or without a model
  const back = await decompressMeasurementWithModel(other.bytes, "wide.sqz", codec);
  assert.equal(outside(wide, back, bound), -1);
});

Deno.test("compress/decompress --model on a measured file: model named in the file, needed to decode", async () => {
  // a QxQy table without a mask column: no masked NaN in it
  const near = await nearModel();
  const m = { ...near, intensity: near.intensity.map((v) => Number.isNaN(v) ? 1 : v), mask: null };
  await writeMeasurement(`${dir}/near.dat`, m);
  const compressed = await task(
    "compress",
    "--model",
    `${dir}/model`,
    "--prediction",
    "model",
    "--max-sigma-error",
    "0.5",
    "--in",
    `${dir}/near.dat`,
    "--out",
    `${dir}/near.sqz`,
  );
  assert.equal(compressed.code, 0, compressed.stderr);
  const file = decodeSqz(await Deno.readFile(`${dir}/near.sqz`), { name: "near.sqz" });
  assert.equal(hexId(file.header.modelId), hexId(codec.modelId));
  const refused = await task("decompress", "--in", `${dir}/near.sqz`, "--out", `${dir}/x.dat`);
  assert.equal(refused.code, 1);
  assert.match(
    refused.stderr,
    /^decompress: error: .*near\.sqz: made with model [0-9a-f]+; pass its folder with --model$/,
  );
  const done = await task(
    "decompress",
    "--model",
    `${dir}/model`,
    "--in",
    `${dir}/near.sqz`,
    "--out",
    `${dir}/back.dat`,
  );
  assert.equal(done.code, 0, done.stderr);
  const written = await readMeasurement(`${dir}/near.dat`);
  const back = await readMeasurement(`${dir}/back.dat`);
  assert.equal(outside(written, back, { kind: "sigma", k: 0.5 }), -1);
});

Deno.test({
  name: "cleanup",
  fn: async () => {
    codec.model.dispose();
    await Deno.remove(dir, { recursive: true });
  },
});
