import assert from "node:assert/strict";
import { FormatError } from "../../pipeline/errors.ts";
import type { Measurement } from "../../pipeline/measurement.ts";
import { readMeasurement } from "../../pipeline/measurement_file.ts";
import { parseQxQyTable } from "../../pipeline/qxqy_ascii.ts";
import {
  compressMeasurement,
  decompressMeasurement,
  type MeasurementBound,
} from "../../codec/measurement_record.ts";
import { decodeSqzHeader } from "../../codec/sqz_header.ts";
import { readAllRecords } from "../../pipeline/record_stream.ts";
import { h5pyDump, pythonWithH5py } from "../fixtures/h5py_dump.ts";

const REAL = new URL("../../../shared/real/", import.meta.url).pathname;
const FILES = [
  "33837rear_2D_1.75_16.5_NXcanSAS_v3.h5",
  "33837rear_2D_1.75_16.5_NIST.dat",
  "P123_D2O_10_percent.dat",
];
const BOUNDS: MeasurementBound[] = [{ kind: "sigma", k: 0.5 }, { kind: "rel", r: 0.01 }];

/** The first pixel outside the bound, or -1. */
function outside(a: Measurement, b: Measurement, bound: MeasurementBound): number {
  return a.intensity.findIndex((v, i) => {
    const limit = bound.kind === "sigma"
      ? bound.k * Math.abs(a.sigma![i])
      : bound.kind === "rel"
      ? bound.r * Math.abs(v)
      : bound.a;
    return !(Math.abs(b.intensity[i] - v) <= limit);
  });
}

for (const file of FILES) {
  for (const bound of BOUNDS) {
    Deno.test(`${file} at ${JSON.stringify(bound)}: grid and metadata exact, I and err(I) within bound`, async () => {
      const m = await readMeasurement(`${REAL}${file}`);
      const bytes = compressMeasurement(m, { bound });
      const back = decompressMeasurement(bytes, "x.sqz");
      assert.deepEqual([back.height, back.width, back.separable], [m.height, m.width, true]);
      assert.deepEqual(back.qx, m.qx);
      assert.deepEqual(back.qy, m.qy);
      assert.deepEqual(back.mask, m.mask);
      assert.deepEqual([back.units, back.title, back.provenance], [m.units, m.title, m.provenance]);
      assert.deepEqual(back.attributes, m.attributes);
      assert.equal(outside(m, back, bound), -1);
      const sigmaOff = m.sigma!.findIndex((s, i) =>
        !(Math.abs(back.sigma![i] - s) <= 0.01 * Math.abs(s))
      );
      assert.equal(sigmaOff, -1);
      // a relative bound keeps every zero exactly and every negative negative
      if (bound.kind === "rel") {
        m.intensity.forEach((v, i) => {
          if (v <= 0) assert.ok(v === 0 ? back.intensity[i] === 0 : back.intensity[i] < 0);
        });
      }
      assert.ok(bytes.length * 10 < (await Deno.stat(`${REAL}${file}`)).size, `${bytes.length}`);
    });
  }
}

const TABLE = (rows: string[]) =>
  ["Data columns Qx - Qy - I(Qx,Qy) - err(I) - Qz - SigmaQ_parall - SigmaQ_perp - Mask", ...rows]
    .join("\n");

/** A 3×5 table with negatives, zeros, extra columns and a mask column. */
function smallTable(cell: (r: number, c: number) => string): Measurement {
  const rows = [];
  for (let r = 0; r < 3; r++) {
    for (let c = 0; c < 5; c++) {
      rows.push(
        `${0.01 * c - 0.02} ${0.013 * r} ${cell(r, c)} 0.1 0 ${1e-3 * c} 2e-3 ${
          r === 1 && c === 2 ? 1 : 0
        }`,
      );
    }
  }
  return parseQxQyTable(TABLE(rows), "small.dat");
}

Deno.test("a non-square table with negatives, extra columns and a mask round-trips", () => {
  const m = smallTable((r, c) => String((r - 1) * (c - 2) / 3 + 1e-7 * c));
  assert.deepEqual([m.height, m.width, m.mask!.reduce((s, v) => s + v, 0)], [3, 5, 1]);
  for (const bound of [{ kind: "abs", a: 1e-3 }, { kind: "rel", r: 1e-3 }] as MeasurementBound[]) {
    const back = decompressMeasurement(compressMeasurement(m, { bound }), "small.sqz");
    assert.equal(outside(m, back, bound), -1);
    assert.deepEqual(back.extra, m.extra);
    assert.deepEqual(back.mask, m.mask);
    assert.equal(back.intensity[7], m.intensity[7]); // masked: bit-identical in float64
  }
});

Deno.test("an unmasked NaN is refused naming row, column and q; a masked NaN is kept", () => {
  const bad = smallTable((r, c) => (r === 2 && c === 4 ? "nan" : "1"));
  assert.throws(
    () => compressMeasurement(bad, { bound: { kind: "rel", r: 0.01 } }, "small.dat"),
    (e: Error) =>
      e instanceof FormatError &&
      /^small\.dat: I at row 2, column 4 \(Qx 0\.02, Qy 0\.026\) is NaN/.test(e.message),
  );
  const masked = smallTable((r, c) => (r === 1 && c === 2 ? "nan" : "2.5"));
  const back = decompressMeasurement(
    compressMeasurement(masked, { bound: { kind: "sigma", k: 0.5 } }),
    "x",
  );
  assert.ok(Number.isNaN(back.intensity[7]));
  assert.equal(
    outside({ ...masked, intensity: masked.intensity.map((v, i) => i === 7 ? 0 : v) }, {
      ...back,
      intensity: back.intensity.map((v, i) => i === 7 ? 0 : v),
    }, { kind: "sigma", k: 0.5 }),
    -1,
  );
});

Deno.test("a measurement .sqz says its record kind and reports a damaged record", () => {
  const m = smallTable(() => "1");
  const bytes = compressMeasurement(m, { bound: { kind: "rel", r: 0.01 } });
  const header = decodeSqzHeader(bytes.subarray(0, 29), "x.sqz");
  assert.deepEqual([header.records, header.height, header.width], ["measurement", 3, 5]);
  const damaged = bytes.slice();
  damaged[damaged.length - 30] ^= 0xff;
  assert.throws(() => decompressMeasurement(damaged, "x.sqz"), (e: Error) => {
    return e instanceof FormatError && e.message.startsWith("x.sqz") && !e.message.includes("\n");
  });
});

Deno.test("compress/decompress tasks: NXcanSAS → .sqz → NXcanSAS keeps every group and attribute for h5py", async () => {
  const dir = await Deno.makeTempDir();
  const source = `${REAL}${FILES[0]}`;
  const run = async (task: string, args: string[]) => {
    const { code, stderr } = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", new URL(`../../tasks/${task}.ts`, import.meta.url).pathname, ...args],
    }).output();
    assert.equal(code, 0, new TextDecoder().decode(stderr));
  };
  await run("compress", [
    "--quiet",
    "--max-sigma-error",
    "0.5",
    "--in",
    source,
    "--out",
    `${dir}/x.sqz`,
  ]);
  await run("decompress", ["--quiet", "--in", `${dir}/x.sqz`, "--out", `${dir}/x.h5`]);
  await run("decompress", ["--quiet", "--in", `${dir}/x.sqz`, "--out", `${dir}/x.ndjson`]);
  const stream = await readAllRecords(`${dir}/x.ndjson`);
  assert.deepEqual([stream.header.shape, stream.chunks[0].count], [[150, 150], 1]);
  const [m, back] = await Promise.all([readMeasurement(source), readMeasurement(`${dir}/x.h5`)]);
  assert.deepEqual([back.qx, back.qy, back.units, back.title], [m.qx, m.qy, m.units, m.title]);
  assert.equal(outside(m, back, { kind: "sigma", k: 0.5 }), -1);
  assert.deepEqual(stream.chunks[0].data, back.intensity); // the stream's image is I, float64
  const python = await pythonWithH5py();
  if (python === null) {
    console.warn(
      "h5py check skipped: python3-h5py is not installed (apt-get install python3-h5py)",
    );
  } else {
    const [a, b] = await Promise.all([h5pyDump(python, source), h5pyDump(python, `${dir}/x.h5`)]);
    assert.deepEqual(Object.keys(b).sort(), Object.keys(a).sort());
    for (const path of Object.keys(a)) {
      assert.deepEqual(b[path].attrs, a[path].attrs, path);
      assert.deepEqual(b[path].shape, a[path].shape, path);
      // I and Idev are bounded (checked above); everything else is bit-identical
      if (!/\/sasdata\/(I|Idev)$/.test(path)) assert.deepEqual(b[path].value, a[path].value, path);
    }
  }
  await Deno.remove(dir, { recursive: true });
});

Deno.test("an irregular q grid (not a product of axes) is stored per pixel, bit-identical", () => {
  const rows = ["0 0 1 1", "0.1 0 -2 1", "0 0.1 0 1", "0.1 0.11 4 1"];
  const m = parseQxQyTable(rows.join("\n"), "skew.dat");
  assert.equal(m.separable, false);
  const back = decompressMeasurement(
    compressMeasurement(m, { bound: { kind: "abs", a: 0.5 } }),
    "skew.sqz",
  );
  assert.deepEqual([back.qx, back.qy, back.separable], [m.qx, m.qy, false]);
  assert.equal(outside(m, back, { kind: "abs", a: 0.5 }), -1);
});

Deno.test("compress takes a measurement stream like the file it came from: the same .sqz bytes", async () => {
  const dir = await Deno.makeTempDir();
  const source = `${REAL}${FILES[2]}`;
  const run = async (task: string, args: string[]) => {
    const { code, stderr } = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", new URL(`../../tasks/${task}.ts`, import.meta.url).pathname, ...args],
    }).output();
    assert.equal(code, 0, new TextDecoder().decode(stderr));
  };
  const k = ["--quiet", "--max-sigma-error", "0.5"];
  await run("convert", ["--quiet", "--in", source, "--out", `${dir}/p.ndjson.gz`]);
  await run("compress", [...k, "--in", `${dir}/p.ndjson.gz`, "--out", `${dir}/a.sqz`]);
  await run("compress", [...k, "--in", source, "--out", `${dir}/b.sqz`]);
  assert.deepEqual(await Deno.readFile(`${dir}/a.sqz`), await Deno.readFile(`${dir}/b.sqz`));
  await Deno.remove(dir, { recursive: true });
});
