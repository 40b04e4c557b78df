import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { maxRelativeDifference } from "../fixtures/tfjs_setup.ts";
import {
  activeKernels,
  nativeKernelsActive,
  setNativeKernels,
} from "../../models/native_kernels.ts";
import { forcedKernels, type KernelsName } from "../../models/kernel_choice.ts";
import { dense, sparseLoss } from "../../models/native_ops.ts";

/** The native families compared with stock: OpenBLAS (required, see below) and portable. */
const FAMILIES: KernelsName[] = ["openblas", "portable"];

/**
 * Runs `f` with stock kernels, then with each native family, returning flat arrays: stock's,
 * then one list per family. Leaves the default kernels registered.
 */
function stockAndNative(f: () => tf.Tensor | tf.Tensor[]): [Float32Array[], Float32Array[][]] {
  const run = (family: KernelsName | null) => {
    setNativeKernels(family !== null, family ?? undefined);
    return tf.tidy(() => {
      const out = f();
      return (Array.isArray(out) ? out : [out]).map((t) => (t.dataSync() as Float32Array).slice());
    });
  };
  const stock = run(null);
  const native = FAMILIES.map(run);
  setNativeKernels(true);
  return [stock, native];
}

function assertClose(stock: Float32Array[], native: Float32Array[][], what: string) {
  native.forEach((family, f) => {
    assert.equal(stock.length, family.length);
    stock.forEach((s, i) => {
      const difference = maxRelativeDifference(family[i], s);
      assert.ok(
        difference <= 1e-4,
        `${what} output ${i} on ${FAMILIES[f]}: relative difference ${difference}`,
      );
    });
  });
}

const random = (shape: number[], seed: number) => tf.randomNormal(shape, 0, 1, "float32", seed);

// Fails on purpose without libopenblas (.ci/run installs it) unless SASQUASH_KERNELS says
// otherwise: the OpenBLAS comparisons below could not run.
Deno.test("the default kernels are OpenBLAS unless SASQUASH_KERNELS names others", () => {
  assert.equal(nativeKernelsActive(), forcedKernels() !== "stock");
  assert.equal(activeKernels().kernels, forcedKernels() ?? "openblas");
});

Deno.test("native BatchMatMul agrees with stock for every transpose and batch layout", () => {
  const layouts: [number[], number[]][] = [
    [[7, 5], [5, 3]],
    [[4, 7, 5], [4, 5, 3]],
    [[4, 7, 5], [1, 5, 3]],
    [[1, 7, 5], [4, 5, 3]],
    [[2, 3, 7, 5], [2, 3, 5, 3]],
    [[1, 1], [1, 9]],
  ];
  for (const [shapeA, shapeB] of layouts) {
    for (const transposeA of [false, true]) {
      for (const transposeB of [false, true]) {
        const swap = (s: number[], t: boolean) => t ? [...s.slice(0, -2), s.at(-1)!, s.at(-2)!] : s;
        const a = random(swap(shapeA, transposeA), 1);
        const b = random(swap(shapeB, transposeB), 2);
        const [stock, native] = stockAndNative(() => tf.matMul(a, b, transposeA, transposeB));
        assertClose(stock, native, `matMul ${shapeA}×${shapeB} tA=${transposeA} tB=${transposeB}`);
        a.dispose();
        b.dispose();
      }
    }
  }
});

Deno.test("native _FusedMatMul agrees with stock for bias shapes and activations", () => {
  const a = random([6, 5], 3);
  const w = random([5, 4], 4);
  const cases: [tf.Tensor | undefined, tf.fused.Activation][] = [
    [random([4], 5), "relu"],
    [random([4], 5), "linear"],
    [random([6, 4], 6), "relu6"],
    [random([1], 7), "elu"],
    [undefined, "sigmoid"],
    [random([4], 5), "leakyrelu"],
  ];
  for (const [bias, activation] of cases) {
    const [stock, native] = stockAndNative(() => tf.fused.matMul({ a, b: w, bias, activation }));
    assertClose(stock, native, `fused ${activation} bias ${bias?.shape}`);
  }
  const prelu = random([4], 8);
  const [stock, native] = stockAndNative(() =>
    tf.fused.matMul({ a, b: w, activation: "prelu", preluActivationWeights: prelu })
  );
  assertClose(stock, native, "fused prelu");
});

Deno.test("native gradients of fused matMul agree with stock, all transposes", () => {
  for (
    const [transposeA, transposeB] of [[false, false], [true, false], [false, true], [true, true]]
  ) {
    const a = random(transposeA ? [5, 6] : [6, 5], 9);
    const b = random(transposeB ? [4, 5] : [5, 4], 10);
    const bias = random([4], 11);
    const f = (x: tf.Tensor, y: tf.Tensor, c: tf.Tensor) =>
      tf.sum(tf.square(tf.fused.matMul({
        a: x as tf.Tensor2D,
        b: y as tf.Tensor2D,
        bias: c,
        activation: "relu",
        transposeA,
        transposeB,
      })));
    const [stock, native] = stockAndNative(() => tf.grads(f)([a, b, bias]));
    assertClose(stock, native, `fused grads tA=${transposeA} tB=${transposeB}`);
  }
});

Deno.test("the fused dense and sparse-loss ops match stock ops in value and gradient", () => {
  for (const [f, kind] of [["z", "mse"], ["grad", "mse"], ["z", "rms"]] as const) {
    const x = random([8, 6], 12);
    const w1 = random([6, 10], 13);
    const b1 = random([10], 14);
    const w2 = random([10, 6], 15);
    const b2 = random([6], 16);
    const loss = (p: tf.Tensor, q: tf.Tensor, r: tf.Tensor, s: tf.Tensor) => {
      const z = dense(x as tf.Tensor2D, p, q, true);
      return sparseLoss(dense(z, r, s, false), x as tf.Tensor2D, z, 0.3, f, kind);
    };
    const [stock, native] = stockAndNative(() => {
      const { value, grads } = tf.valueAndGrads(loss)([w1, b1, w2, b2]);
      return [value, ...grads];
    });
    assertClose(stock, native, `dense+loss f=${f} ${kind}`);
    assert.ok(stock[0][0] > 0.3, "the loss is a real, positive number");
  }
});

Deno.test("native kernels leak no tensors over a training-style step", () => {
  const x = random([16, 8], 17);
  const w = tf.variable(random([8, 8], 18));
  const b = tf.variable(tf.zeros([8]));
  const before = tf.memory().numTensors;
  for (let i = 0; i < 3; i++) {
    tf.tidy(() => {
      const y = () => dense(x as tf.Tensor2D, w, b, true);
      tf.variableGrads(() => sparseLoss(y(), x as tf.Tensor2D, y(), 1, "grad"));
    });
  }
  assert.equal(tf.memory().numTensors, before);
});
