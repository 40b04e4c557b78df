/**
 * k-NN cost at report scale: blocked, register-tiled cosine k-NN (evaluate/knn.ts) against a
 * plain loop over (test, train) pairs measured in the same run.
 * Run: deno run -A bench/evaluate.ts [dim=4096] [train=2000] [test=500]
 */
import { knnPredict, normalizeRows } from "../evaluate/knn.ts";

const [dim, trainRows, testRows] = [4096, 2000, 500].map((d, i) => Number(Deno.args[i] ?? d));
let seed = 1;
const random = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
const train = Float32Array.from({ length: trainRows * dim }, random);
const test = Float32Array.from({ length: testRows * dim }, random);
const labels = Int32Array.from({ length: trainRows }, (_, i) => i % 12);

function plainNearest(): Int32Array {
  const a = normalizeRows(train, dim), b = normalizeRows(test, dim);
  const out = new Int32Array(testRows);
  for (let t = 0; t < testRows; t++) {
    let best = -Infinity;
    for (let r = 0; r < trainRows; r++) {
      let s = 0;
      for (let i = 0; i < dim; i++) s += a[r * dim + i] * b[t * dim + i];
      if (s > best) best = s, out[t] = labels[r];
    }
  }
  return out;
}

let t0 = performance.now();
const fast = knnPredict(train, labels, test, dim, 1);
const tFast = (performance.now() - t0) / 1000;
t0 = performance.now();
const plain = plainNearest();
const tPlain = (performance.now() - t0) / 1000;
const same = fast.every((v, i) => v === plain[i]);
const gflop = (2 * trainRows * testRows * dim) / 1e9;
console.log(`dim ${dim}, ${trainRows} train × ${testRows} test (${gflop.toFixed(1)} GFLOP)`);
console.log(`knnPredict  ${tFast.toFixed(2)} s  ${(gflop / tFast).toFixed(2)} GFLOP/s`);
console.log(`plain loop  ${tPlain.toFixed(2)} s  ${(gflop / tPlain).toFixed(2)} GFLOP/s`);
console.log(`speed-up ${(tPlain / tFast).toFixed(2)}× · same predictions: ${same}`);
