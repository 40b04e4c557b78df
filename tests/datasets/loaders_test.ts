import assert from "node:assert/strict";
import { loadFashionMnist } from "../../datasets/fashion_mnist.ts";
import { loadMnistDigits } from "../../datasets/mnist_digits.ts";
import { UsageError } from "../../pipeline/errors.ts";
import { gzip, idxBytes } from "./_idx_fixture.ts";

Deno.test("loadMnistDigits gives the 10 000 npm digits, 784 pixels in [0, 1], labels 0–9", async () => {
  const digits = await loadMnistDigits();
  assert.equal(digits.n, 784);
  assert.equal(digits.labels.length, 10_000);
  assert.equal(digits.images.length, 10_000 * 784);
  const counts = new Array(10).fill(0);
  for (const label of digits.labels) counts[label]++;
  assert.ok(counts.every((c) => c > 800), `class counts ${counts}`);
  let max = 0;
  for (const v of digits.images) max = Math.max(max, v);
  assert.ok(max > 0.9 && max <= 1);
});

Deno.test("loadFashionMnist pools train and t10k IDX files and scales bytes to [0, 1]", async () => {
  const dir = await Deno.makeTempDir();
  const write = async (name: string, bytes: Uint8Array) =>
    await Deno.writeFile(`${dir}/${name}`, await gzip(bytes));
  await write("train-images-idx3-ubyte.gz", idxBytes([2, 2, 2], [0, 255, 51, 102, 1, 2, 3, 4]));
  await write("train-labels-idx1-ubyte.gz", idxBytes([2], [9, 3]));
  await write("t10k-images-idx3-ubyte.gz", idxBytes([1, 2, 2], [255, 255, 0, 0]));
  await write("t10k-labels-idx1-ubyte.gz", idxBytes([1], [7]));
  const set = await loadFashionMnist(dir);
  assert.equal(set.n, 4);
  assert.deepEqual([...set.labels], [9, 3, 7]);
  assert.deepEqual([...set.images.subarray(0, 4)], [0, 1, 0.2, 0.4].map(Math.fround));
  assert.deepEqual([...set.images.subarray(8)], [1, 1, 0, 0]);
});

Deno.test("loadFashionMnist without the Debian package says how to install it", async () => {
  await assert.rejects(
    loadFashionMnist("/nonexistent/fashion-mnist"),
    (e) => e instanceof UsageError && /apt-get install -y dataset-fashion-mnist/.test(e.message),
  );
});

const installed = await Deno.stat("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz")
  .then(() => true, () => false);

Deno.test({
  name:
    "loadFashionMnist reads the installed Debian files: 70 000 images of 784 pixels, 10 classes",
  ignore: !installed,
  fn: async () => {
    const set = await loadFashionMnist();
    assert.equal(set.n, 784);
    assert.equal(set.labels.length, 70_000);
    const counts = new Array(10).fill(0);
    for (const label of set.labels) counts[label]++;
    assert.deepEqual(counts, new Array(10).fill(7_000));
  },
});
