import assert from "node:assert/strict";
import { FormatError } from "../../pipeline/errors.ts";
import { measuredGrid } from "../../pipeline/measurement.ts";
import { readMeasurement } from "../../pipeline/measurement_file.ts";
import { parseQxQyTable } from "../../pipeline/qxqy_ascii.ts";

const REAL = new URL("../../../shared/real/", import.meta.url).pathname;

const rows = (points: number[][]) => points.map(([x, y]) => `${x} ${y} 1 1`).join("\n");
const product = (qx: number[], qy: number[]) => qy.flatMap((y) => qx.map((x) => [x, y]));

Deno.test("measuredGrid() gives the axes of the three real files, exactly as read", async () => {
  for (
    const [f, size, qmax] of [
      ["33837rear_2D_1.75_16.5_NXcanSAS_v3.h5", 150, 0.149],
      ["33837rear_2D_1.75_16.5_NIST.dat", 150, 0.149],
      ["P123_D2O_10_percent.dat", 100, 0.099],
    ] as const
  ) {
    const m = await readMeasurement(`${REAL}${f}`);
    const grid = measuredGrid(m);
    assert.ok(!("height" in grid), f);
    assert.equal(grid.qx.length, size);
    assert.equal(grid.qy.length, size);
    assert.ok(Math.abs(grid.qx[size - 1] - qmax) < 1e-12 && Math.abs(grid.qy[0] + qmax) < 1e-12);
    assert.deepEqual(grid.qx, Array.from(m.qx.subarray(0, size)));
  }
});

Deno.test("measuredGrid() keeps a non-square, off-centre grid's axes, rows = Qy", () => {
  const qx = [-0.01, 0.02, 0.07], qy = [0.001, 0.05];
  const m = parseQxQyTable(rows(product(qx, qy)), "wide.dat");
  assert.deepEqual(measuredGrid(m), { qx, qy });
});

Deno.test("measuredGrid() gives Qx and Qy per pixel when the grid is not a product", () => {
  const m = parseQxQyTable(rows(product([-1, 0, 1], [-1, 1])), "turned.dat");
  // shift one pixel: the grid is no longer separable
  m.qx[4] = 0.25;
  assert.deepEqual(measuredGrid(m), {
    height: 2,
    width: 3,
    qx: [-1, 0, 1, -1, 0.25, 1],
    qy: [-1, -1, -1, 1, 1, 1],
  });
});

Deno.test("measuredGrid() names the file, the field and the pixel of a non-finite q", () => {
  for (const [field, bad] of [["Qx", "nan"], ["Qy", "inf"]] as const) {
    const points: (number | string)[][] = product([-1, 0, 1], [-1, 1]);
    points[5][field === "Qx" ? 0 : 1] = bad;
    const m = parseQxQyTable(rows(points as number[][]), "bad.dat");
    assert.throws(
      () => measuredGrid(m),
      (e: Error) =>
        e instanceof FormatError &&
        new RegExp(`^bad\\.dat: ${field} of pixel 5 \\(row 1, column 2\\) is (NaN|Infinity)`)
          .test(e.message),
    );
  }
});
