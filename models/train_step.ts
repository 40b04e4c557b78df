/**
 * One optimization step of the sparse autoencoder, the one place where the trainer, the MNIST
 * protocol and the benchmarks take a gradient.
 * @module
 */

import * as tf from "@tensorflow/tfjs";
import type { SparseAutoencoder } from "./autoencoder.ts";
import type { Adam } from "./adam.ts";
import type { LossKind } from "./native_ops.ts";
import type { IsotropicRows } from "./isotropy.ts";

/**
 * One fused-Adam step on a batch `x` ([rows × n], network space, as a Float32Array or a tensor)
 * of the loss (paper eq. 3, divided by n) (1/Bn)Σ‖d(e(x)) − x‖² + λ(1/Bn)Σ‖f(e(x))‖₁, or with
 * another data term in place of the first (`loss`, see `sparseLoss`; `lnPerUnit` for the
 * relative ones; `isotropy`: rows measured averaged over equal |q|); returns the loss before the
 * step.
 */
export async function trainStep(
  model: SparseAutoencoder,
  adam: Adam,
  x: Float32Array | tf.Tensor2D,
  lambda: number,
  loss: LossKind = "mse",
  lnPerUnit = 0,
  isotropy?: IsotropicRows,
): Promise<number> {
  const value = tf.tidy(() => {
    const input = x instanceof Float32Array
      ? tf.tensor2d(x, [x.length / model.arch.n, model.arch.n])
      : x;
    const { value, grads } = tf.variableGrads(
      () => model.loss(input, lambda, loss, lnPerUnit, isotropy),
      model.variables,
    );
    adam.apply(model.variables.map((v) => grads[v.name]));
    return value;
  });
  const result = (await value.data())[0];
  value.dispose();
  return result;
}
