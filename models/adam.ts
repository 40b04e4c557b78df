/**
 * Adam (Kingma & Ba 2015, Algorithm 1). On the tfjs `cpu` backend the weights and both moments
 * are updated in place in one fused pass over the backend's own Float32Arrays; on other
 * backends the same update runs as tfjs ops.
 * @module
 */

import * as tf from "@tensorflow/tfjs";

/** Adam's hyper-parameters (PyTorch's defaults apart from the learning rate). */
export interface AdamConfig {
  learningRate: number;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
}

/** The state a checkpoint must keep: step count and both moments per variable. */
export interface AdamState {
  step: number;
  m: Float32Array[];
  v: Float32Array[];
}

interface CpuStorage {
  data: { get(dataId: object): { values: unknown } };
}

/** Adam over a fixed list of variables; `fused` says whether the in-place path is used. */
export class Adam {
  step = 0;
  readonly m: tf.Variable[];
  readonly v: tf.Variable[];
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  learningRate: number;

  constructor(readonly variables: tf.Variable[], config: AdamConfig) {
    this.learningRate = config.learningRate;
    this.beta1 = config.beta1 ?? 0.9;
    this.beta2 = config.beta2 ?? 0.999;
    this.epsilon = config.epsilon ?? 1e-8;
    const zeros = (w: tf.Variable) => tf.tidy(() => tf.variable(tf.zerosLike(w), false));
    this.m = variables.map(zeros);
    this.v = variables.map(zeros);
  }

  /** True when the fused in-place loop can run (every array lives in the cpu backend). */
  get fused(): boolean {
    return tf.getBackend() === "cpu";
  }

  /** One update with gradients in the order of `variables`; the gradients are not disposed. */
  apply(gradients: tf.Tensor[], fused = this.fused): void {
    this.step++;
    const c1 = 1 - this.beta1 ** this.step;
    const c2 = 1 - this.beta2 ** this.step;
    for (let i = 0; i < this.variables.length; i++) {
      if (fused) this.applyFused(i, gradients[i], c1, c2);
      else this.applyOps(i, gradients[i], c1, c2);
    }
  }

  private applyFused(i: number, gradient: tf.Tensor, c1: number, c2: number): void {
    const storage = tf.backend() as unknown as CpuStorage;
    const array = (t: tf.Tensor) => storage.data.get(t.dataId).values as Float32Array;
    adamLoop(
      array(this.variables[i]),
      array(gradient),
      array(this.m[i]),
      array(this.v[i]),
      this.learningRate / c1,
      1 / Math.sqrt(c2),
      this.beta1,
      this.beta2,
      this.epsilon,
    );
  }

  private applyOps(i: number, gradient: tf.Tensor, c1: number, c2: number): void {
    tf.tidy(() => {
      const { beta1, beta2, epsilon } = this;
      const m = tf.add(tf.mul(this.m[i], beta1), tf.mul(gradient, 1 - beta1));
      const v = tf.add(tf.mul(this.v[i], beta2), tf.mul(tf.square(gradient), 1 - beta2));
      const denominator = tf.add(tf.mul(tf.sqrt(v), 1 / Math.sqrt(c2)), epsilon);
      const update = tf.mul(tf.div(m, denominator), this.learningRate / c1);
      this.m[i].assign(m);
      this.v[i].assign(v);
      this.variables[i].assign(tf.sub(this.variables[i], update));
    });
  }

  /** Copies of the state, for a checkpoint (async: any backend). */
  async state(): Promise<AdamState> {
    const copy = async (t: tf.Tensor) => (await t.data() as Float32Array).slice();
    return {
      step: this.step,
      m: await Promise.all(this.m.map(copy)),
      v: await Promise.all(this.v.map(copy)),
    };
  }

  /** Restores a state written by `state()`. */
  restore(state: AdamState): void {
    this.step = state.step;
    tf.tidy(() => {
      state.m.forEach((m, i) => this.m[i].assign(tf.tensor(m.slice(), this.m[i].shape)));
      state.v.forEach((v, i) => this.v[i].assign(tf.tensor(v.slice(), this.v[i].shape)));
    });
  }

  /** Frees the moment variables. */
  dispose(): void {
    for (const t of [...this.m, ...this.v]) t.dispose();
  }
}

/**
 * The fused in-place pass (Kingma & Ba 2015, Alg. 1):
 * m ← β₁m + (1−β₁)g; v ← β₂v + (1−β₂)g²; w ← w − (α/(1−β₁ᵗ))·m / (√v/√(1−β₂ᵗ) + ε),
 * with `stepSize` = α/(1−β₁ᵗ) and `inverseSqrtC2` = 1/√(1−β₂ᵗ). Also used on plain arrays (code
 * refinement): an entry with g = m = v = 0 stays where it is.
 */
export function adamLoop(
  w: Float32Array,
  g: Float32Array,
  m: Float32Array,
  v: Float32Array,
  stepSize: number,
  inverseSqrtC2: number,
  beta1: number,
  beta2: number,
  epsilon: number,
): void {
  const a1 = 1 - beta1;
  const a2 = 1 - beta2;
  for (let i = 0; i < w.length; i++) {
    const gi = g[i];
    const mi = beta1 * m[i] + a1 * gi;
    const vi = beta2 * v[i] + a2 * gi * gi;
    m[i] = mi;
    v[i] = vi;
    w[i] -= stepSize * mi / (Math.sqrt(vi) * inverseSqrtC2 + epsilon);
  }
}
