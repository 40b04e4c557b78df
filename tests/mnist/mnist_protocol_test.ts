import "../fixtures/tfjs_setup.ts";
import assert from "node:assert/strict";
import { loadMnistDigits, splitTrainTest } from "../../datasets/mod.ts";
import { parseArchList } from "../../mnist/mnist_arch.ts";
import { runArchitecture } from "../../mnist/mnist_protocol.ts";

const TASK = new URL("../../tasks/mnist.ts", import.meta.url).pathname;

async function mnistTask(...args: string[]) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", TASK, "--quiet", ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = (b: Uint8Array) => new TextDecoder().decode(b).trim();
  return { code: out.code, stdout: text(out.stdout), stderr: text(out.stderr) };
}

Deno.test("deno task mnist --limit 300 --epochs 1 prints a Table-1 row and writes its JSON", async () => {
  const dir = await Deno.makeTempDir();
  const out = `${dir}/nested/mnist.json`;
  const result = await mnistTask(
    "--limit",
    "300",
    "--epochs",
    "1",
    "--arch",
    "1/2,1/4,0,z",
    "--out",
    out,
  );
  assert.equal(result.code, 0, result.stderr);
  const lines = result.stdout.split("\n");
  assert.equal(lines.length, 3);
  assert.match(lines[0], /^\| \(m\/n, ℓ\/n, λ, f\) \| ℓ \| L2 train \|/);
  const cells = lines[2].split("|").slice(1, -1).map((c) => c.trim());
  assert.equal(cells[0], "(1/2, 1/4, 0, z)");
  const [ell, , , , , l0Train, l0Test, knnLatent, knnImage] = cells.slice(1).map(Number);
  assert.equal(ell, 196);
  // The ReLU latent has exact zeros but is not all zero, even without an L1 penalty.
  for (const l0 of [l0Train, l0Test]) assert.ok(l0 > 0 && l0 < ell, `L0 ${l0} of ℓ = ${ell}`);
  // Ten digit classes: chance is 0.1; both spaces do far better.
  assert.ok(knnLatent > 0.3 && knnLatent <= 1, `latent-space KNN ${knnLatent}`);
  assert.ok(knnImage > 0.3 && knnImage <= 1, `image-space KNN ${knnImage}`);
  const report = JSON.parse(await Deno.readTextFile(out));
  assert.deepEqual([report.dataset.train, report.dataset.test], [60, 240]);
  const row = report.rows[0];
  assert.equal(row.knnImage, knnImage);
  // The table shows the JSON row, rounded; accuracies are fractions of the 240 test digits.
  assert.deepEqual(
    [row.train.l0.toFixed(1), row.test.l0.toFixed(1), row.knnLatent.toFixed(4)],
    [cells[6], cells[7], cells[8]],
  );
  for (const acc of [row.knnLatent, row.knnImage]) {
    assert.ok(Math.abs(acc * 240 - Math.round(acc * 240)) < 1e-9, `${acc}`);
  }
});

Deno.test("deno task mnist reports a bad --arch in one line and exits 1", async () => {
  const result = await mnistTask("--arch", "1,2,z");
  assert.equal(result.code, 1);
  assert.match(result.stderr, /^mnist: error: --arch: "1,2,z"/);
  assert.equal(result.stderr.split("\n").length, 1);
});

Deno.test("an L1 penalty (λ = 1) gives far fewer non-zero latents than λ = 0 after the same training", async () => {
  const split = splitTrainTest(await loadMnistDigits(), {
    trainFraction: 0.2,
    seed: 1,
    limit: 1000,
  });
  const options = { epochs: 2, batch: 32, learningRate: 1e-3, seed: 1, knnK: 5 };
  const [dense, sparse] = parseArchList("1/2,1,0,z;1/2,1,1,z");
  const plain = await runArchitecture(split, dense, options, NaN);
  const penalized = await runArchitecture(split, sparse, options, NaN);
  assert.ok(penalized.test.l0 < 0.5 * plain.test.l0, `L0 ${penalized.test.l0} vs ${plain.test.l0}`);
  assert.ok(penalized.test.l1 < plain.test.l1);
  // Sparser, not collapsed: codes keep non-zeros and still tell digits apart (chance is 0.1).
  assert.ok(penalized.test.l0 > 0, `L0 ${penalized.test.l0}`);
  assert.ok(plain.test.l0 < plain.architecture.ell, `L0 ${plain.test.l0}`);
  assert.ok(penalized.knnLatent > 0.3, `latent-space KNN ${penalized.knnLatent}`);
});
