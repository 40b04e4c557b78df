/**
 * A trained model as the predictor of a measurement's I (issue 8): when the measurement has the
 * model's image shape, the model's reconstruction is offered to the error-bounded coder of I,
 * and kept (with the image's model code in the record, the model named in the file) only when it
 * makes the record smaller, or always with `use: "model"`. The bound is checked as without a
 * model, and holds for a decoder whose prediction differs by up to ε relative (another backend).
 *
 * @example
 * ```ts
 * const codec = await openModelCodec("runs/instrument");
 * const { bytes } = await compressMeasurementWithModel(m, { bound: { kind: "sigma", k: 0.5 } }, codec);
 * const back = await decompressMeasurementWithModel(bytes, "x.sqz", codec);
 * ```
 * @module
 */

import { FormatError, TrainedModelError, UsageError } from "../pipeline/errors.ts";
import type { Measurement } from "../pipeline/measurement.ts";
import {
  MODEL_PREDICTION_TOLERANCE,
  modelPredictions,
  reconstructFromCodes,
} from "./bounded_records.ts";
import {
  compressMeasurement,
  decodeMeasurement,
  type MeasurementCodeOptions,
  measurementFile,
  type MeasurementLabel,
  measurementModelCode,
} from "./measurement_record.ts";
import { type ModelCodec, withQuant } from "./model_codec.ts";
import { decodeSqz } from "./sqz_container.ts";
import { hexId } from "./sqz_header.ts";

/** How the model's prediction is offered (defaults: "auto", ε = 1e-4). */
export interface MeasurementModelOptions {
  use?: "auto" | "model";
  predictionTolerance?: number;
}

/** True when `codec` can predict `m`: same image shape. */
export function modelFits(codec: ModelCodec, m: Measurement): boolean {
  return codec.model.meta.image_shape.join() === [m.height, m.width].join();
}

/**
 * Compresses `m` into a measurement `.sqz`, with `codec`'s reconstruction as the prediction of I
 * when `codec` is given and fits (else model-free). Masked and non-finite pixels enter the model
 * as 0 (its transform floors them); they are stored exactly as before.
 */
export async function compressMeasurementWithModel(
  m: Measurement,
  opts: MeasurementCodeOptions,
  codec: ModelCodec | null,
  where = "input",
  model: MeasurementModelOptions = {},
): Promise<{ bytes: Uint8Array; predicted: boolean }> {
  if (codec === null || !modelFits(codec, m)) {
    return { bytes: compressMeasurement(m, opts, where), predicted: false };
  }
  const input = Float32Array.from(
    m.intensity,
    (v, i) => m.mask?.[i] || !Number.isFinite(v) ? 0 : v,
  );
  const { codes, predictions } = await modelPredictions(codec, input, where);
  const prediction = {
    image: predictions,
    code: codes[0],
    tolerance: model.predictionTolerance ?? MODEL_PREDICTION_TOLERANCE,
    use: model.use ?? "auto",
  };
  return measurementFile(m, { ...opts, prediction }, where, codec.header);
}

/**
 * Reads back a measurement `.sqz` (of {@link compressMeasurementWithModel} or of
 * `compressMeasurement`); a file coded against a model needs that model's `codec`.
 */
export async function decompressMeasurementWithModel(
  bytes: Uint8Array,
  name: string,
  codec: ModelCodec | null,
): Promise<Measurement> {
  const { header, records } = decodeSqz(bytes, { name });
  if (header.records !== "measurement" || records.length !== 1) {
    throw new FormatError(
      `${name}: not a measurement .sqz file (records ${header.records ?? "sparse"})`,
    );
  }
  const where = `${name}: record 0`;
  const label = records[0].label as unknown as MeasurementLabel;
  const modelCode = measurementModelCode(label, records[0].code, where);
  if (modelCode === null) return decodeMeasurement(label, records[0].code, where);
  const id = hexId(header.modelId);
  if (codec === null) {
    throw new UsageError(`${name}: made with model ${id}; pass its folder with --model`);
  }
  if (hexId(codec.modelId) !== id || codec.header.gapModelId !== header.gapModelId) {
    throw new TrainedModelError(
      `${name}: made with model ${id} (gap model ${header.gapModelId}), not ${
        hexId(codec.modelId)
      } (gap model ${codec.header.gapModelId})`,
    );
  }
  const [prediction] = await reconstructFromCodes(withQuant(codec, header.quant), [modelCode], [
    where,
  ]);
  return decodeMeasurement(label, records[0].code, where, prediction);
}
