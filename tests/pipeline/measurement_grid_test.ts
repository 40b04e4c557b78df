import assert from "node:assert/strict";
import { FormatError } from "../../pipeline/errors.ts";
import { symmetricLinspaceGrid } from "../../pipeline/measurement.ts";
import { readMeasurement } from "../../pipeline/measurement_file.ts";
import { parseQxQyTable } from "../../pipeline/qxqy_ascii.ts";

const REAL = new URL("../../../shared/real/", import.meta.url).pathname;

Deno.test("symmetricLinspaceGrid() finds the generator grid of the three real files", async () => {
  const grids = [];
  for (
    const f of [
      "33837rear_2D_1.75_16.5_NXcanSAS_v3.h5",
      "33837rear_2D_1.75_16.5_NIST.dat",
      "P123_D2O_10_percent.dat",
    ]
  ) grids.push(symmetricLinspaceGrid(await readMeasurement(`${REAL}${f}`)));
  assert.deepEqual(grids.map((g) => g.size), [150, 150, 100]);
  assert.ok(Math.abs(grids[0].qmax - 0.149) < 1e-12 && grids[1].qmax === 0.149);
  assert.equal(grids[2].qmax, 0.099);
});

Deno.test("symmetricLinspaceGrid() names the file and why a grid is not the generator's", () => {
  const rows = (qx: number[], qy: number[]) =>
    qy.flatMap((y) => qx.map((x) => `${x} ${y} 1 1`)).join("\n");
  const wide = parseQxQyTable(rows([-1, 0, 1], [-1, 1]), "wide.dat");
  assert.throws(() => symmetricLinspaceGrid(wide), /wide\.dat: 2×3 grid/);
  const uneven = parseQxQyTable(rows([-1, 0.2, 1], [-1, 0, 1]), "uneven.dat");
  assert.throws(
    () => symmetricLinspaceGrid(uneven),
    (e: Error) =>
      e instanceof FormatError && /uneven\.dat: Qx\[1\] = 0\.2, not linspace/.test(e.message),
  );
});
