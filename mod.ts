/**
 * sasquash: learned, sparse, error-controlled compression for small-angle scattering images.
 * This module is the map of the public API; it re-exports and holds no logic.
 * @module
 */
export {
  CodecModelError,
  FormatError,
  ModelError,
  SasModelError,
  SasquashError,
  TrainedModelError,
  UsageError,
} from "./pipeline/errors.ts";
export {
  type Chunk,
  type DType,
  type ImageLabel,
  makeChunk,
  makeHeader,
  type StreamHeader,
} from "./pipeline/record_format.ts";
export {
  readAllRecords,
  readRecords,
  RecordFileWriter,
  writeRecords,
} from "./pipeline/record_stream.ts";
export { mergeRecordFiles } from "./pipeline/record_merge.ts";
export { RebatchStream, sliceChunk } from "./pipeline/batch_stream.ts";
export { encodeNpy, parseNpy } from "./pipeline/npy.ts";
export { Progress } from "./pipeline/progress.ts";
export { type Grid, type ModelInfo, SasHost } from "./generators/host/pyodide_host.ts";
export { imageStream } from "./generators/host/image_stream.ts";
export { type GenerationSettings } from "./generators/host/image_job.ts";
export { REALISTIC_MIX } from "./generators/host/generation_plan.ts";
export { applyPoissonNoise } from "./generators/host/detector.ts";
export { gaussianGapModel, learnedGapModel } from "./codec/gap_model.ts";
export { decodeLatent, encodeLatent, quantizeLatent } from "./codec/sparse_code.ts";
export { SqzReaderStream, SqzWriterStream } from "./codec/sqz_container.ts";
export {
  CompressStream,
  DecompressStream,
  type ModelCodec,
  openModelCodec,
} from "./codec/model_codec.ts";
export {
  loadTrainedModel,
  resolveArchitecture,
  selectBackend,
  SparseAutoencoder,
  train,
  TrainedModel,
} from "./models/mod.ts";
export { loadFashionMnist, loadMnistDigits, parseIdx } from "./datasets/mod.ts";
export { EvaluateStream } from "./evaluate/evaluate_stream.ts";
export { knnAccuracy, knnPredict } from "./evaluate/knn.ts";
