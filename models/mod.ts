/**
 * The `models/` stage: the sparse L1-autoencoder, its training loop, native cpu kernels and
 * the model directory format. Re-exports only.
 * @module
 */

export {
  type Architecture,
  type ArchitectureOptions,
  countNonzero,
  macsPerImage,
  PRESETS,
  resolveArchitecture,
  type Selector,
  SparseAutoencoder,
  weightShapes,
} from "./autoencoder.ts";
export { Adam, type AdamConfig, type AdamState } from "./adam.ts";
export { trainStep } from "./train_step.ts";
export { learningRateAt, type Schedule, type ScheduleName, SCHEDULES } from "./lr_schedule.ts";
export { type Checkpoint, loadCheckpoint, saveCheckpoint } from "./checkpoint.ts";
export { type BackendChoice, type BackendName, BACKENDS, selectBackend } from "./backend.ts";
export { loadMeta, loadModel, type ModelMeta, saveModel } from "./model_io.ts";
export { activeKernels, nativeKernelsActive, setNativeKernels } from "./native_kernels.ts";
export {
  chooseKernels,
  describeKernels,
  type KernelChoice,
  KERNELS,
  type KernelsName,
} from "./kernel_choice.ts";
export { portableSgemm } from "./portable_sgemm.ts";
export { dense, nativeOpsUsable, sparseLoss } from "./native_ops.ts";
export { loadTrainedModel, TrainedModel } from "./trained_model.ts";
export {
  adaptLambda,
  adaptLambdaToRate,
  checkImages,
  type EpochLog,
  evaluate,
  type ImageSource,
  train,
  type TrainOptions,
  type TrainResult,
} from "./trainer.ts";
export {
  fitLogTransform,
  fitTransform,
  imageScales,
  type InputTransform,
  type LogTransform,
  sideInfoBytes,
  toIntensity,
  toNetwork,
  type TransformName,
  TRANSFORMS,
} from "./transform.ts";
