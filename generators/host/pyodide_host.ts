/**
 * Hosts the SasView model catalog (pure-Python plugin files) in Pyodide: one interpreter per
 * host, models loaded from `generators/sas_models/`, images returned as Float32Arrays.
 * @module
 */
import { loadPyodide, type PyodideInterface } from "pyodide";
import { SasModelError } from "../../pipeline/errors.ts";
import { CompiledImages } from "../compiled/compiled_image.ts";
import { HOST_API_FUNCTIONS, type HostCall } from "../engine/host_api.ts";
import { type Accuracy, type Grid, gridSpec } from "./detector_grid.ts";

export type { Accuracy, Grid };

const ROOT = "/sasquash";
/** `generators/`: engine/, compiled/ and sas_models/ are copied into Pyodide with this layout. */
const GENERATORS = new URL("../", import.meta.url);

/** One model's parameter table as the engine reports it. */
export interface ModelInfo {
  name: string;
  /** Rows `[name, units, default, [lo, hi], kind, description]`. */
  parameters: [string, string, number, [number | string, number | string], string, string][];
  oriented: "" | "ac" | "abc";
  structure_factor: boolean;
  defaults: Record<string, number | string>;
}

/** One randomized image with the label that reproduces it. */
export interface RandomImage {
  label: {
    index: number;
    seed: number;
    model: string;
    polydisperse: boolean;
    params: Record<string, number | string>;
  };
  image: Float32Array;
}

async function* pythonFiles(dir: URL, rel = ""): AsyncGenerator<[string, string]> {
  for await (const entry of Deno.readDir(dir)) {
    const name = entry.name;
    if (entry.isDirectory && !name.startsWith("__")) {
      yield* pythonFiles(new URL(`${name}/`, dir), `${rel}${name}/`);
    } else if (entry.isFile && name.endsWith(".py")) {
      yield [`${rel}${name}`, await Deno.readTextFile(new URL(name, dir))];
    }
  }
}

/** Turn a Python exception into a typed error with just its last line. */
function translate(e: unknown, context: string): never {
  const err = e as { type?: string; message?: string };
  if (err && typeof err.type === "string" && typeof err.message === "string") {
    const last = err.message.trim().split("\n").at(-1) ?? err.message;
    const text = last.replace(/^[\w.]*Error:\s*/, "");
    if (err.type === "ModelError") throw new SasModelError(text);
    if (err.type === "KeyError" || err.type === "ValueError") {
      throw new SasModelError(`${context}: ${text}`);
    }
  }
  throw e;
}

/** The Pyodide interpreter with the sasquash engine and model catalog loaded. */
export class SasHost {
  #py: PyodideInterface;
  #api: Record<string, (...args: unknown[]) => unknown> = {};
  #compiled: CompiledImages;
  /**
   * Python's keys of the grids defined so far: by spec text (linspace), or by the Qx and Qy
   * arrays and shape (measured; its spec text would cost a pass over every pixel per image).
   */
  #linspaceKeys = new Map<string, string>();
  #measuredKeys = new WeakMap<number[], WeakMap<number[], Map<string, string>>>();

  private constructor(py: PyodideInterface) {
    this.#py = py;
    const mod = py.pyimport("host_api");
    for (const fn of HOST_API_FUNCTIONS) this.#api[fn] = mod[fn];
    this.#compiled = new CompiledImages(this.#call);
  }

  /** Start Pyodide, copy the engine and catalog into its file system and import them. */
  static async create(): Promise<SasHost> {
    const py = await loadPyodide({ stdout: () => {}, stderr: (s: string) => console.error(s) });
    for await (const [rel, text] of pythonFiles(GENERATORS)) {
      const dir = rel.includes("/") ? `${ROOT}/${rel.slice(0, rel.lastIndexOf("/"))}` : ROOT;
      py.FS.mkdirTree(dir);
      py.FS.writeFile(`${ROOT}/${rel}`, text);
    }
    py.runPython(`import sys\nsys.path[:0] = ["${ROOT}/engine"]\nimport host_api`);
    return new SasHost(py);
  }

  #call: HostCall = (fn, context, ...args) => {
    let result: unknown;
    try {
      result = this.#api[fn](...args);
    } catch (e) {
      translate(e, context);
    }
    const proxy = result as { toJs?: () => unknown; destroy?: () => void };
    if (proxy && typeof proxy.toJs === "function") {
      const js = proxy.toJs();
      proxy.destroy?.();
      return js as never;
    }
    return result as never;
  };

  /** The compiled-kernel image path (status of a model's compilation, tests). */
  get compiled(): CompiledImages {
    return this.#compiled;
  }

  /** Python's key of `grid` (host_define_grid), defined on first use; its smearing is ignored. */
  gridKey(grid: Grid): string {
    if ("qmax" in grid) {
      const text = JSON.stringify(gridSpec(grid));
      let key = this.#linspaceKeys.get(text);
      if (key === undefined) {
        key = this.#call("host_define_grid", "grid", text);
        this.#linspaceKeys.set(text, key);
      }
      return key;
    }
    let byQy = this.#measuredKeys.get(grid.qx);
    if (!byQy) this.#measuredKeys.set(grid.qx, byQy = new WeakMap());
    let byShape = byQy.get(grid.qy);
    if (!byShape) byQy.set(grid.qy, byShape = new Map());
    const shape = "height" in grid ? `${grid.height}×${grid.width}` : "axes";
    let key = byShape.get(shape);
    if (key === undefined) {
      key = this.#call("host_define_grid", "grid", JSON.stringify(gridSpec(grid)));
      byShape.set(shape, key);
    }
    return key;
  }

  /** Parameter table, defaults and flags of `model` (catalog name, "P@S" product or plugin). */
  modelInfo(model: string): ModelInfo {
    return JSON.parse(this.#call("host_model_info", `model "${model}"`, model));
  }

  /** The image of `model` at exactly `params` (missing ones take their defaults). */
  render(
    model: string,
    params: Record<string, unknown>,
    grid: Grid,
  ): { image: Float32Array; params: Record<string, number | string> } {
    const key = this.gridKey(grid);
    const fast = grid.resolution ? null : this.#compiled.render(model, params, key);
    if (fast) return fast;
    const [bytes, full] = this.#call(
      "host_render",
      `model "${model}"`,
      model,
      JSON.stringify(params),
      key,
      grid.resolution ?? 0,
      grid.accuracy ?? "low",
    );
    return { image: toFloat32(bytes), params: JSON.parse(full) };
  }

  /** Image `index` of the random stream with base seed `seed`, drawn for `model`. */
  random(model: string, seed: number, index: number, grid: Grid): RandomImage {
    const key = this.gridKey(grid);
    const fast = grid.resolution ? null : this.#compiled.random(model, seed, index, key);
    if (fast) return { label: JSON.parse(fast.label), image: fast.image };
    const [label, bytes] = this.#call(
      "host_random",
      `model "${model}", image ${index}`,
      model,
      seed,
      index,
      key,
      grid.resolution ?? 0,
      grid.accuracy ?? "low",
    );
    return { label: JSON.parse(label), image: toFloat32(bytes) };
  }

  /** Validate and register a user's SasView plugin model file; returns the model name. */
  registerPlugin(source: string, filename: string): string {
    const name = this.#call("host_register_plugin", filename, source, filename);
    this.#compiled.forget(name);
    return name;
  }

  /** 1-D I(q) at exactly `params` (float64). */
  iq1d(model: string, params: Record<string, unknown>, q: number[]): Float64Array {
    const bytes = this.#call(
      "host_iq_1d",
      `model "${model}"`,
      model,
      JSON.stringify(params),
      q,
    );
    return toFloat64(bytes);
  }

  /**
   * 2-D image at exactly `params` on the axes `qx`, `qy` (float64, layout [iy][ix]); with
   * `pixels`, at the points (qx[k], qy[k]).
   */
  image2d(
    model: string,
    params: Record<string, unknown>,
    qx: number[],
    qy: number[],
    pixels = false,
  ): Float64Array {
    const bytes = this.#call(
      "host_image_2d",
      `model "${model}"`,
      model,
      JSON.stringify(params),
      qx,
      qy,
      pixels,
    );
    return toFloat64(bytes);
  }

  /** Names of every model file in the catalog. */
  static async catalog(): Promise<string[]> {
    const names: string[] = [];
    for await (const e of Deno.readDir(new URL("sas_models/", GENERATORS))) {
      if (e.isFile && e.name.endsWith(".py") && !e.name.startsWith("_")) {
        names.push(e.name.slice(0, -3));
      }
    }
    return names.sort();
  }
}

function toFloat32(bytes: Uint8Array): Float32Array {
  const copy = bytes.byteOffset % 4 === 0 ? bytes : bytes.slice();
  return new Float32Array(copy.buffer, copy.byteOffset, copy.byteLength / 4).slice();
}

function toFloat64(bytes: Uint8Array): Float64Array {
  const copy = bytes.byteOffset % 8 === 0 ? bytes : bytes.slice();
  return new Float64Array(copy.buffer, copy.byteOffset, copy.byteLength / 8).slice();
}
