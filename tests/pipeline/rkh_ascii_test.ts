import assert from "node:assert/strict";
import { FormatError } from "../../pipeline/errors.ts";
import { readMeasurement, writeMeasurement } from "../../pipeline/measurement_file.ts";
import { parseRkh2D } from "../../pipeline/rkh_ascii.ts";

/** A 2×3 RKH file (values wrapped over lines, one user line, flag 3: I and err(I)). */
const RKH = [
  "LOQ run 12345 2D",
  "Q_x (1/A)",
  "Q_y (1/A)",
  "I (1/cm)",
  "1",
  "a user line 1 2 3",
  "4",
  "-0.1 0.0",
  "0.1 0.2",
  "2",
  "-0.05 0.05",
  "3 2 1.0",
  "3",
  "1.5 -0.25 0",
  "4 5",
  "6",
  "0.1 0.2 0.3 0.4 0.5 0.6",
].join("\n");

Deno.test("parseRkh2D() reads axes, wrapped values and err(I) as SasView's ASCII2DLoader", () => {
  const m = parseRkh2D(RKH, "loq.txt");
  assert.deepEqual([m.height, m.width, m.separable], [2, 3, true]);
  assert.deepEqual(m.qx, Float64Array.of(-0.1, 0, 0.1, -0.1, 0, 0.1)); // 4 given, 3 used
  assert.deepEqual(m.qy, Float64Array.of(-0.05, -0.05, -0.05, 0.05, 0.05, 0.05));
  assert.deepEqual(m.intensity, Float64Array.of(1.5, -0.25, 0, 4, 5, 6));
  assert.deepEqual(m.sigma, Float64Array.of(0.1, 0.2, 0.3, 0.4, 0.5, 0.6));
  assert.deepEqual([m.units, m.title], [{ q: "1/A", intensity: "1/cm" }, "LOQ run 12345 2D"]);
});

Deno.test("readMeasurement() tells an RKH file from a QxQy table and writes it back as RKH", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(`${dir}/loq.txt`, RKH);
  const m = await readMeasurement(`${dir}/loq.txt`);
  assert.equal(m.provenance.format, "rkh-ascii");
  await writeMeasurement(`${dir}/back.txt`, m);
  const back = await readMeasurement(`${dir}/back.txt`);
  assert.equal(back.provenance.format, "rkh-ascii");
  assert.deepEqual([back.qx, back.qy, back.intensity, back.sigma], [
    m.qx,
    m.qy,
    m.intensity,
    m.sigma,
  ]);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("parseRkh2D() names the line of a short value list, text and a bad flag", () => {
  const lines = RKH.split("\n");
  const cut = lines.slice(0, 16).join("\n");
  assert.throws(
    () => parseRkh2D(cut, "cut.txt"),
    /cut\.txt:16: file ends after 0 of 6 err\(I\) values/,
  );
  const text = [...lines.slice(0, 14), "4 x", ...lines.slice(15)].join("\n");
  assert.throws(
    () => parseRkh2D(text, "t.txt"),
    (e: Error) => e instanceof FormatError && /t\.txt:15: "x" in the I values/.test(e.message),
  );
  const flag = [...lines.slice(0, 12), "7", ...lines.slice(13)].join("\n");
  assert.throws(() => parseRkh2D(flag, "f.txt"), /f\.txt:13: flag "7", expected 2 or 3/);
});
