import assert from "node:assert/strict";
import { readAllRecords } from "../../pipeline/record_stream.ts";
import { SasHost } from "../../generators/host/pyodide_host.ts";
import { gridLayout, gridShape, gridSpec } from "../../generators/host/detector_grid.ts";
import { task } from "../fixtures/run_task.ts";
import { readMeasurement, writeMeasurement } from "../../pipeline/measurement_file.ts";
import { twoEntryNXcanSAS } from "../fixtures/measured_files.ts";

const REAL = new URL("../../../shared/real/", import.meta.url).pathname;
const dir = await Deno.makeTempDir();
const host = await SasHost.create();

/** A QxQy ASCII table (`Qx Qy I err` rows) at the given points, row-major. */
async function writeTable(path: string, points: [number, number][]): Promise<string> {
  await Deno.writeTextFile(path, points.map(([x, y]) => `${x} ${y} 1 0.1`).join("\n") + "\n");
  return path;
}

/** The points of the separable grid qx × qy, row iy = qy[iy], column ix = qx[ix]. */
const product = (qx: number[], qy: number[]): [number, number][] =>
  qy.flatMap((y) => qx.map((x): [number, number] => [x, y]));

/** Run generate; returns the header and every image with its label. */
async function generate(out: string, ...args: string[]) {
  const r = await task("generate", "--out", out, ...args);
  assert.equal(r.code, 0, r.stderr);
  const { header, chunks } = await readAllRecords(out);
  const [height, width] = header.shape;
  const images = chunks.flatMap((c) =>
    c.labels.map((label, k) => ({
      label,
      image: c.data.subarray(k * height * width, (k + 1) * height * width),
    }))
  );
  return { header, images };
}

// sasmodels models/sphere.c: I(q) = scale·1e-4·V·Δρ²·[3(sin qR − qR cos qR)/(qR)³]² + background
function sphere(q: number, p: Record<string, number | string>): number {
  const r = Number(p.radius), x = q * r, v = (4 / 3) * Math.PI * r ** 3;
  const f = 3 * (Math.sin(x) - x * Math.cos(x)) / x ** 3;
  const contrast = Number(p.sld) - Number(p.sld_solvent);
  return Number(p.scale) * 1e-4 * v * contrast ** 2 * f * f + Number(p.background);
}

const close = (got: number, want: number, tol = 1e-5) =>
  Math.abs(got - want) <= tol * Math.abs(want);

// A detector off the beam centre, wider than tall: any transposition or linspace assumption
// moves the pixels.
const QX = [-0.021, 0.004, 0.013, 0.03, 0.052, 0.08, 0.11];
const QY = [-0.047, -0.012, 0.018, 0.061, 0.095];

for (
  const [file, height, width] of [
    ["33837rear_2D_1.75_16.5_NXcanSAS_v3.h5", 150, 150],
    ["P123_D2O_10_percent.dat", 100, 100],
  ] as const
) {
  Deno.test(`generate --grid-from ${file}: images on its exact grid equal I(q) at each pixel`, async () => {
    const m = await readMeasurement(`${REAL}${file}`);
    const { header, images } = await generate(
      `${dir}/${file}.ndjson`,
      ...["--grid-from", `${REAL}${file}`, "--models", "sphere,cylinder", "--n", "8"],
      ...["--workers", "0"],
    );
    assert.deepEqual(header.shape, [height, width]);
    const q = header.q as { qx: number[]; qy: number[] };
    // the file's own coordinates, column by column and row by row
    assert.deepEqual(q.qx, Array.from(m.qx.subarray(0, width)));
    assert.deepEqual(q.qy, Array.from({ length: height }, (_, r) => m.qy[r * width]));
    assert.equal(header.layout, "[iy][ix], pixel (iy, ix) at (q.qx[ix], q.qy[iy])");
    assert.equal(images.length, 8);
    const pixels = [[0, 0], [3, width - 7], [height - 1, 11], [height >> 1, width >> 2]];
    let mono = 0;
    for (const { label, image } of images) {
      assert.equal(image.length, height * width);
      const p = label.params!;
      const sphereMono = label.model === "sphere" && Number(p.radius_pd) === 0;
      for (const [iy, ix] of pixels) {
        const k = iy * width + ix, x = m.qx[k], y = m.qy[k], at = Math.hypot(x, y);
        const where = `${file} ${label.model} pixel ${iy},${ix}`;
        // the model at this one point (a 1×1 grid): a cylinder, not symmetric in qx ↔ qy,
        // fails here if rows and columns were swapped
        assert.ok(close(image[k], host.image2d(label.model!, p, [x], [y])[0]), where);
        if (label.model !== "sphere") continue;
        // the 1-D path (no grid at all) at the pixel's |q|, and the closed formula
        assert.ok(close(image[k], host.iq1d("sphere", p, [at])[0]), where);
        if (sphereMono) assert.ok(close(image[k], sphere(at, p)), where);
      }
      if (sphereMono) mono++;
    }
    assert.ok(mono > 0, "no monodisperse sphere among the images");
  });
}

Deno.test("generate --grid-from an off-centre 5×7 grid: pixel [iy][ix] is at (qx[ix], qy[iy])", async () => {
  const file = await writeTable(`${dir}/offset.dat`, product(QX, QY));
  const { header, images } = await generate(
    `${dir}/offset.ndjson`,
    ...["--grid-from", file, "--models", "cylinder,sphere", "--n", "4", "--workers", "0"],
  );
  assert.deepEqual(header.shape, [5, 7]);
  assert.deepEqual(header.q, { qx: QX, qy: QY });
  for (const { label, image } of images) {
    for (let iy = 0; iy < 5; iy++) {
      for (let ix = 0; ix < 7; ix++) {
        // the same model at this one point: a 1×1 grid, nothing to transpose
        const want = host.image2d(label.model!, label.params!, [QX[ix]], [QY[iy]])[0];
        assert.ok(close(image[iy * 7 + ix], want), `${label.model} [${iy}][${ix}]`);
      }
    }
  }
});

Deno.test("generate --grid-from a non-separable grid renders Qx, Qy per pixel", async () => {
  // the 5×7 grid turned by 20°: no longer a product of two axes, kept 5×7 by NXcanSAS
  const c = Math.cos(0.35), s = Math.sin(0.35);
  const points = product(QX, QY).map(([x, y]): [number, number] => [c * x - s * y, s * x + c * y]);
  const file = `${dir}/turned.h5`;
  await writeMeasurement(file, {
    height: 5,
    width: 7,
    intensity: new Float64Array(35).fill(1),
    sigma: null,
    mask: null,
    qx: Float64Array.from(points, ([x]) => x),
    qy: Float64Array.from(points, ([, y]) => y),
    separable: false,
    extra: [],
    units: { q: "1/A", intensity: "1/cm" },
    title: "turned",
    provenance: { file, format: "nxcansas" },
    attributes: {},
  });
  const { header, images } = await generate(
    `${dir}/turned.ndjson`,
    ...["--grid-from", file, "--models", "cylinder,sphere", "--n", "2", "--workers", "0"],
  );
  assert.deepEqual(header.shape, [5, 7]);
  const q = header.q as { height: number; width: number; qx: number[]; qy: number[] };
  assert.deepEqual([q.height, q.width], [5, 7]);
  assert.deepEqual(q.qx, points.map(([x]) => x));
  assert.deepEqual(q.qy, points.map(([, y]) => y));
  for (const { label, image } of images) {
    const want = host.image2d(label.model!, label.params!, q.qx, q.qy, true);
    points.forEach(([x, y], k) => {
      assert.ok(close(want[k], host.image2d(label.model!, label.params!, [x], [y])[0]));
      assert.ok(close(image[k], want[k]), `${label.model} pixel ${k}`);
    });
  }
});

Deno.test("pinhole smearing on a measured grid smears each pixel at its own q", () => {
  const grid = { qx: QX, qy: QY, resolution: 0.1, accuracy: "med" as const };
  for (const [model, params] of [["cylinder", { theta: 35, phi: 70 }], ["sphere", {}]] as const) {
    const { image } = host.render(model, params, grid);
    const plain = host.render(model, params, { qx: QX, qy: QY }).image;
    let changed = 0;
    for (let iy = 0; iy < QY.length; iy++) {
      for (let ix = 0; ix < QX.length; ix++) {
        const one = { qx: [QX[ix]], qy: [QY[iy]], resolution: 0.1, accuracy: "med" as const };
        const k = iy * QX.length + ix;
        assert.ok(close(image[k], host.render(model, params, one).image[0]), `${model} ${k}`);
        if (!close(image[k], plain[k], 1e-4)) changed++;
      }
    }
    assert.ok(changed > 0, `${model}: smearing changed nothing`);
  }
});

Deno.test("a --grid-from run split in shards merges to the one-run file, byte for byte", async () => {
  const file = await writeTable(`${dir}/shards.dat`, product(QX, QY));
  const args = ["--grid-from", file, "--models", "cylinder,sphere,lorentz", "--n", "7"];
  const more = ["--chunk", "2", "--resolution", "0.05"];
  await generate(`${dir}/one.ndjson`, ...args, ...more, "--workers", "2");
  for (const k of [1, 2, 3]) {
    await generate(`${dir}/s${k}.ndjson`, ...args, ...more, "--workers", "0", "--shard", `${k}/3`);
  }
  const merged = await task(
    "merge",
    "--out",
    `${dir}/merged.ndjson`,
    ...[2, 3, 1].map((k) => `${dir}/s${k}.ndjson`),
  );
  assert.equal(merged.code, 0, merged.stderr);
  const one = await Deno.readFile(`${dir}/one.ndjson`);
  assert.deepEqual(await Deno.readFile(`${dir}/merged.ndjson`), one);
  const header = JSON.parse(new TextDecoder().decode(one).split("\n")[0]);
  assert.deepEqual(header.q, { qx: QX, qy: QY });
  assert.deepEqual(header.resolution, { dq_over_q: 0.05, accuracy: "low" });
});

Deno.test("--grid-from with a non-finite q, or no measurement, fails with one line", async () => {
  const nan = product(QX.slice(0, 3), QY.slice(0, 2)).map(([x, y], k): [number, number] =>
    k === 4 ? [NaN, y] : [x, y]
  );
  await Deno.writeTextFile(`${dir}/junk.dat`, "this is not a measurement\n");
  const cases: [string, RegExp][] = [
    [await writeTable(`${dir}/nan.dat`, nan), /nan\.dat: Qx of pixel 4 \(row 1, column 1\) is NaN/],
    [`${dir}/junk.dat`, /junk\.dat/],
    [`${dir}/missing.dat`, /missing\.dat/],
  ];
  for (const [file, message] of cases) {
    const r = await task("generate", "--grid-from", file, "--n", "1", "--out", `${dir}/x.ndjson`);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, message);
    assert.equal(r.stderr.split("\n").length, 1, r.stderr);
  }
  await assert.rejects(Deno.stat(`${dir}/x.ndjson`));
});

Deno.test("gridShape, gridSpec and gridLayout describe the three kinds of grid", () => {
  const pixels = { height: 2, width: 3, qx: [1, 2, 3, 4, 5, 6], qy: [6, 5, 4, 3, 2, 1] };
  assert.deepEqual(gridShape({ qmax: 0.3, size: 64 }), [64, 64]);
  assert.deepEqual(gridShape({ qx: QX, qy: QY }), [5, 7]);
  assert.deepEqual(gridShape(pixels), [2, 3]);
  // smearing is not part of the grid; the linspace header field keeps its key order
  const spec = gridSpec({ size: 64, qmax: 0.3, resolution: 0.1 } as never);
  assert.equal(JSON.stringify(spec), '{"qmax":0.3,"size":64}');
  assert.deepEqual(gridSpec({ ...pixels, resolution: 0.1 } as never), pixels);
  assert.equal(
    gridLayout({ qmax: 0.3, size: 64 }),
    "[iy][ix], qx = qy = linspace(-qmax, qmax, size)",
  );
});

Deno.test("grids that share their Qx array but not their Qy or shape render apart", () => {
  const params = { theta: 35, phi: 70 };
  const a = host.render("cylinder", params, { qx: QX, qy: QY }).image;
  const b = host.render("cylinder", params, { qx: QX, qy: QY.slice(1) }).image;
  assert.equal(b.length, 4 * 7);
  assert.deepEqual(b, a.subarray(7));
  const qx = QX.slice(0, 6), qy = [0.01, 0.02, 0.03, 0.04, 0.05, 0.06];
  const wide = host.render("cylinder", params, { height: 2, width: 3, qx, qy }).image;
  const tall = host.render("cylinder", params, { height: 3, width: 2, qx, qy }).image;
  assert.deepEqual(wide, tall); // the same points, row-major either way
  assert.equal(
    host.gridKey({ height: 2, width: 3, qx, qy }) === host.gridKey({ height: 3, width: 2, qx, qy }),
    false,
  );
});

Deno.test("generate --grid-from FILE.h5 --entry NAME reads that entry's grid; a wrong name lists the entries", async () => {
  const file = `${dir}/two.h5`;
  await twoEntryNXcanSAS(file);
  const { header } = await generate(
    `${dir}/entry.ndjson`,
    ...["--grid-from", file, "--entry", "sasentry02", "--models", "sphere", "--n", "1"],
    ...["--workers", "0"],
  );
  assert.deepEqual(header.shape, [150, 150]);
  const wrong = await task("generate", "--grid-from", file, "--entry", "nope", "--n", "1");
  assert.equal(wrong.code, 1);
  assert.match(wrong.stderr, /no SASentry named "nope" \(entries found: sasentry01, sasentry02\)/);
  assert.equal(wrong.stderr.split("\n").length, 1, wrong.stderr);
  const alone = await task("generate", "--entry", "sasentry01", "--n", "1");
  assert.equal(alone.stderr, "generate: error: --entry names an entry of --grid-from");
  const both = await task("generate", "--grid-from", file, "--size", "32", "--n", "1");
  assert.equal(both.stderr, "generate: error: --grid-from and --size do not combine");
});
