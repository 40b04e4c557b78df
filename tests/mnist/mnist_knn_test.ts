import "../fixtures/tfjs_setup.ts";
import assert from "node:assert/strict";
import { knnPredict } from "../../evaluate/knn.ts";
import { knnAccuracyBlas, knnPredictBlas } from "../../mnist/mnist_knn.ts";

/** Deterministic pseudo-random rows in [−1, 1). */
function randomRows(rows: number, dim: number, seed: number): Float32Array {
  const out = new Float32Array(rows * dim);
  let s = seed;
  for (let i = 0; i < out.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

Deno.test("knnPredictBlas agrees with the scalar knnPredict of knn.ts", async () => {
  const dim = 17, trainRows = 300, testRows = 700;
  const train = randomRows(trainRows, dim, 1);
  const test = randomRows(testRows, dim, 2);
  const labels = Int32Array.from({ length: trainRows }, (_, i) => i % 4);
  for (const k of [1, 5, 8]) {
    const expected = knnPredict(train, labels, test, dim, k);
    const got = await knnPredictBlas(train, labels, test, dim, k);
    let same = 0;
    for (let i = 0; i < testRows; i++) if (got[i] === expected[i]) same++;
    // float32 sgemm against float64 dots may only reorder neighbours whose similarities tie.
    assert.ok(same >= testRows - 2, `k=${k}: ${same}/${testRows} agree`);
  }
});

Deno.test("knnAccuracyBlas is 1 for test rows that copy training rows (k = 1)", async () => {
  const train = randomRows(50, 8, 3);
  const labels = Int32Array.from({ length: 50 }, (_, i) => i % 7);
  assert.equal(
    await knnAccuracyBlas(train, labels, train.slice(0, 80), labels.slice(0, 10), 8, 1),
    1,
  );
});
