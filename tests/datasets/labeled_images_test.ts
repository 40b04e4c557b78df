import assert from "node:assert/strict";
import { type LabeledImages, selectRows, splitTrainTest } from "../../datasets/labeled_images.ts";
import { seededPermutation } from "../../pipeline/seeded_random.ts";
import { UsageError } from "../../pipeline/errors.ts";

/** 100 images of 3 pixels; image i holds (i, i, i) and label i % 10. */
function numbered(count = 100): LabeledImages {
  const images = new Float32Array(count * 3);
  const labels = new Int32Array(count);
  for (let i = 0; i < count; i++) images.fill(i, 3 * i, 3 * i + 3), labels[i] = i % 10;
  return { name: "numbered", n: 3, images, labels };
}

const ids = (set: LabeledImages) =>
  Array.from({ length: set.labels.length }, (_, i) => set.images[3 * i]);

Deno.test("splitTrainTest gives 20 % to train and 80 % to test, disjoint and complete", () => {
  const { train, test } = splitTrainTest(numbered(), { trainFraction: 0.2, seed: 7 });
  assert.equal(train.labels.length, 20);
  assert.equal(test.labels.length, 80);
  const all = [...ids(train), ...ids(test)].sort((a, b) => a - b);
  assert.deepEqual(all, Array.from({ length: 100 }, (_, i) => i));
  for (const set of [train, test]) {
    ids(set).forEach((id, row) => assert.equal(set.labels[row], id % 10));
  }
});

Deno.test("splitTrainTest is deterministic in its seed and changes with it", () => {
  const a = splitTrainTest(numbered(), { trainFraction: 0.2, seed: 7 });
  const b = splitTrainTest(numbered(), { trainFraction: 0.2, seed: 7 });
  const c = splitTrainTest(numbered(), { trainFraction: 0.2, seed: 8 });
  assert.deepEqual(ids(a.train), ids(b.train));
  assert.deepEqual(ids(a.test), ids(b.test));
  assert.notDeepEqual(ids(a.train), ids(c.train));
});

Deno.test("splitTrainTest with a limit splits the first images of the same shuffle", () => {
  const full = splitTrainTest(numbered(), { trainFraction: 0.2, seed: 3 });
  const limited = splitTrainTest(numbered(), { trainFraction: 0.2, seed: 3, limit: 50 });
  assert.equal(limited.train.labels.length, 10);
  assert.equal(limited.test.labels.length, 40);
  assert.deepEqual(ids(limited.train), ids(full.train).slice(0, 10));
});

Deno.test("splitTrainTest refuses a split that leaves a side empty", () => {
  assert.throws(
    () => splitTrainTest(numbered(), { trainFraction: 0.2, seed: 1, limit: 2 }),
    UsageError,
  );
  assert.throws(() => splitTrainTest(numbered(), { trainFraction: 1, seed: 1 }), UsageError);
});

Deno.test("seededPermutation is a permutation and selectRows copies rows in order", () => {
  const order = seededPermutation(1000, 42);
  assert.deepEqual([...order].sort((a, b) => a - b), Array.from({ length: 1000 }, (_, i) => i));
  const picked = selectRows(numbered(), [5, 2]);
  assert.deepEqual([...picked.images], [5, 5, 5, 2, 2, 2]);
  assert.deepEqual([...picked.labels], [5, 2]);
});
