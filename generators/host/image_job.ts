/** One unit of generation work — a contiguous range of image indices — and how to run it. @module */
import { SasModelError } from "../../pipeline/errors.ts";
import type { ImageLabel } from "../../pipeline/record_format.ts";
import { applyPoissonNoise } from "./detector.ts";
import type { SasHost } from "./pyodide_host.ts";
import { type Grid, gridShape } from "./detector_grid.ts";

/** Settings shared by every image of a generated stream. */
export interface GenerationSettings {
  seed: number;
  models: string[];
  /** Detector axes and, when `grid.resolution` > 0, the pinhole smearing of every image. */
  grid: Grid;
  noise: "none" | "poisson";
  flux: number;
  plugins: { source: string; filename: string }[];
}

/** The images of indices [start, end), flat in `data`, with their labels. */
export interface JobResult {
  start: number;
  labels: ImageLabel[];
  data: Float32Array;
}

/** Compute images [start, end) of the stream described by `settings` on `host`. */
export function runJob(
  host: SasHost,
  settings: GenerationSettings,
  start: number,
  end: number,
  onImage?: (index: number, model: string) => void,
): JobResult {
  const [height, width] = gridShape(settings.grid);
  const pixels = height * width;
  const data = new Float32Array((end - start) * pixels);
  const labels: ImageLabel[] = [];
  for (let k = start; k < end; k++) {
    const model = settings.models[k % settings.models.length];
    onImage?.(k, model);
    const { label, image } = host.random(model, settings.seed, k, settings.grid);
    for (let i = 0; i < image.length; i++) {
      if (!Number.isFinite(image[i])) {
        throw new SasModelError(
          `model "${model}" gave a non-finite pixel ${i} for image ${k} (seed ${label.seed}, ` +
            `params ${JSON.stringify(label.params)})`,
        );
      }
    }
    if (settings.noise === "poisson") applyPoissonNoise(image, settings.flux, label.seed);
    data.set(image, (k - start) * pixels);
    labels.push(label);
  }
  return { start, labels, data };
}
