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
export { atomicWritable, writeFileAtomic } from "./pipeline/atomic_file.ts";
export {
  gridAxes,
  measuredGrid,
  type Measurement,
  type NamedColumn,
} from "./pipeline/measurement.ts";
export {
  type MeasurementOptions,
  readMeasurement,
  writeMeasurement,
} from "./pipeline/measurement_file.ts";
export { readNXcanSAS, writeNXcanSAS } from "./pipeline/nxcansas.ts";
export { formatQxQyTable, parseQxQyTable, readQxQyTable } from "./pipeline/qxqy_ascii.ts";
export { formatRkh2D, parseRkh2D } from "./pipeline/rkh_ascii.ts";
export {
  measurementFromStream,
  measurementRecords,
  readMeasurementStream,
  writeMeasurementStream,
} from "./pipeline/measurement_stream.ts";
export {
  type Chunk,
  chunkToFloat32,
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
export {
  measuredImage,
  openRecordSource,
  type RecordSourceOptions,
} from "./pipeline/record_source.ts";
export { RebatchStream, sliceChunk } from "./pipeline/batch_stream.ts";
export { joinShardFiles } from "./pipeline/join_shards.ts";
export { expandGlob, readInputList, shardOfList } from "./pipeline/input_files.ts";
export { encodeNpy, parseNpy } from "./pipeline/npy.ts";
export { Progress, ProgressCountStream } from "./pipeline/progress.ts";
export { type ImageErrors, imageErrors, meanImageErrors } from "./pipeline/image_error.ts";
export { mulberry32, seededPermutation } from "./pipeline/seeded_random.ts";
export { type Grid, type ModelInfo, SasHost } from "./generators/host/pyodide_host.ts";
export { imageStream } from "./generators/host/image_stream.ts";
export { type GenerationSettings } from "./generators/host/image_job.ts";
export { REALISTIC_MIX } from "./generators/host/generation_plan.ts";
export { applyPoissonNoise } from "./generators/host/detector.ts";
export { gridShape, type QGrid } from "./generators/host/detector_grid.ts";
export { gaussianGapModel, learnedGapModel } from "./codec/gap_model.ts";
export { decodeLatent, encodeLatent, quantizeLatent } from "./codec/sparse_code.ts";
export { SqzReaderStream, SqzWriterStream } from "./codec/sqz_container.ts";
export { readSqzFileHeader } from "./codec/sqz_file_header.ts";
export {
  compressMeasurement,
  decodeMeasurement,
  decompressMeasurement,
  encodeMeasurement,
  type MeasurementBound,
} from "./codec/measurement_record.ts";
export {
  compressMeasurementWithModel,
  decompressMeasurementWithModel,
} from "./codec/measurement_model.ts";
export { PackLabelsStream, unpackLabels, UnpackLabelsStream } from "./codec/label_blocks.ts";
export {
  BoundedCompressStream,
  BoundedDecompressStream,
  boundedSqzHeader,
  MODEL_PREDICTION_TOLERANCE,
  type RecordBound,
} from "./codec/bounded_records.ts";
export {
  type BoundedDecodeOptions,
  type BoundedEncodeOptions,
  type BoundedHeader,
  type BoundedMode,
  decodeBounded,
  DEFAULT_PREDICTION_TOLERANCE,
  encodeBounded,
  type ErrorBound,
  readBoundedHeader,
  type Symmetry,
} from "./codec/bounded/bounded_codec.ts";
export { sigmaTolerance } from "./codec/bounded/sigma_tolerance.ts";
export {
  decodeWithUncertainty,
  DEFAULT_SIGMA_REL,
  encodeWithUncertainty,
  type UncertaintyOptions,
  type UncertaintyStreams,
} from "./codec/bounded/uncertainty.ts";
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
  trainStep,
  type TransformName,
  TRANSFORMS,
} from "./models/mod.ts";
export { loadFashionMnist, loadMnistDigits, parseIdx } from "./datasets/mod.ts";
export { EvaluateStream } from "./evaluate/evaluate_stream.ts";
export { ExactSum } from "./evaluate/exact_sum.ts";
export { knnAccuracy, knnPredict } from "./evaluate/knn.ts";
