import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { maxRelativeDifference } from "../fixtures/tfjs_setup.ts";
import { resolveArchitecture, SparseAutoencoder } from "../../models/autoencoder.ts";
import { Adam } from "../../models/adam.ts";
import { selectBackend } from "../../models/backend.ts";
import { pinGpuDrivers } from "../../models/_native_pin.ts";
import { fitLogTransform, toNetwork } from "../../models/transform.ts";
import { sasImages } from "../fixtures/sas_images.ts";

const adapter = "gpu" in navigator ? await navigator.gpu.requestAdapter().catch(() => null) : null;
pinGpuDrivers(); // as selectBackend("webgpu") does: the driver outlives this module
if (!adapter) {
  console.warn("webgpu_test: no WebGPU adapter here, the webgpu agreement test is skipped");
}

/** Encodes, decodes, takes one Adam step and returns the outputs on the current backend. */
async function run(weights: Float32Array[], x: Float32Array, rows: number) {
  const arch = resolveArchitecture(64, { arch: "1,2", lambda: 0.1, f: "grad" });
  const model = new SparseAutoencoder(arch, weights.map((w) => w.slice()));
  const adam = new Adam(model.variables, { learningRate: 1e-3 });
  const input = tf.tensor2d(x, [rows, 64]);
  const read = async (t: tf.Tensor) => {
    const values = (await t.data() as Float32Array).slice();
    t.dispose();
    return values;
  };
  const z = await read(tf.tidy(() => model.encode(input)));
  const y = await read(tf.tidy(() => model.decode(model.encode(input))));
  tf.tidy(() => {
    const { grads } = tf.variableGrads(() => model.loss(input, arch.lambda), model.variables);
    adam.apply(model.variables.map((v) => grads[v.name]));
  });
  const stepped = await model.readWeights();
  input.dispose();
  adam.dispose();
  model.dispose();
  return { z, y, stepped };
}

function relativeNormDifference(a: Float32Array, b: Float32Array): number {
  let difference = 0;
  let norm = 0;
  for (let i = 0; i < a.length; i++) difference += (a[i] - b[i]) ** 2, norm += b[i] ** 2;
  return Math.sqrt(difference / norm);
}

Deno.test({
  name: "webgpu forward pass and Adam step agree with the native cpu backend",
  ignore: !adapter,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const arch = resolveArchitecture(64, { arch: "1,2", lambda: 0.1, f: "grad" });
    const initial = SparseAutoencoder.create(arch, 4);
    const weights = await initial.readWeights();
    initial.dispose();
    const images = sasImages(32, 8, 9);
    const x = toNetwork(fitLogTransform(images), images);
    const cpu = await run(weights, x, 32);
    assert.equal((await selectBackend("webgpu")).backend, "webgpu");
    try {
      const gpu = await run(weights, x, 32);
      assert.ok(maxRelativeDifference(gpu.z, cpu.z) < 1e-4, "latents differ");
      // Summation order differs on the GPU: elementwise 1e-3, in norm 1e-5.
      assert.ok(maxRelativeDifference(gpu.y, cpu.y) < 1e-3, "reconstructions differ");
      const norm = relativeNormDifference(gpu.y, cpu.y);
      assert.ok(norm < 1e-5, `reconstructions differ in norm by ${norm}`);
      gpu.stepped.forEach((w, i) => {
        assert.ok(maxRelativeDifference(w, cpu.stepped[i]) < 1e-3, `weight ${i} after one step`);
      });
      assert.ok(cpu.z.some((v) => v === 0) && cpu.z.some((v) => v > 0));
    } finally {
      await selectBackend("cpu");
    }
  },
});
