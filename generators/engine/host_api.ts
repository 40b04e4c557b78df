/**
 * The typed face of `host_api.py` beside this file: every Python function the TypeScript host
 * calls inside Pyodide, with its arguments and its result as `toJs()` gives it (Python None
 * arrives as undefined, bytes as Uint8Array, tuples as arrays). Changing a signature there
 * means changing it here.
 * @module
 */

/** A Python function result that may be None. */
type Maybe<T> = T | undefined;

/** The functions of `host_api.py` (`_sas_plan.py`'s entries are re-exported there). */
export interface HostApi {
  /** Parameter table and flags of a model, as JSON. */
  host_model_info(name: string): string;
  /** Key of a detector grid from its JSON spec (linspace, axes or per pixel). */
  host_define_grid(specJson: string): string;
  /** Image at exactly the given parameters: (float32 LE bytes, full parameters JSON). */
  host_render(
    name: string,
    parsJson: string,
    grid: string,
    resolution: number,
    accuracy: string,
  ): [Uint8Array, string];
  /** The random draw for image `index` of a stream: (label JSON, float32 LE bytes). */
  host_random(
    name: string,
    baseSeed: number,
    index: number,
    grid: string,
    resolution: number,
    accuracy: string,
  ): [string, Uint8Array];
  /** Validates and registers a plugin model source; returns its name. */
  host_register_plugin(source: string, filename: string): string;
  /** 1-D I(q) as float64 LE bytes. */
  host_iq_1d(name: string, parsJson: string, q: number[]): Uint8Array;
  /** 2-D image on the given axes (layout [iy][ix]) or, with `pixels`, points; float64 LE bytes. */
  host_image_2d(
    name: string,
    parsJson: string,
    qx: number[],
    qy: number[],
    pixels: boolean,
  ): Uint8Array;
  /** JSON {source, remembering, reason, checks} of a model's compiled kernels. */
  model_kernels(name: string): string;
  /** JSON of a defined detector grid as the kernels see it. */
  grid_data(grid: string): string;
  /** (plan JSON, full parameters JSON) for a compiled render, or (None, None). */
  host_plan(name: string, parsJson: string): [Maybe<string>, Maybe<string>];
  /** (label JSON, plan JSON) of random image `index`, or (None, None). */
  host_random_plan(name: string, baseSeed: number, index: number): [Maybe<string>, Maybe<string>];
  /** JSON {source, python}: functions compiled, and Python's value per call (compiler tests). */
  compile_probe(source: string, callsJson: string, remember: boolean): string;
}

/** Names of the {@linkcode HostApi} functions, looked up once in the Python module. */
export const HOST_API_FUNCTIONS: readonly (keyof HostApi)[] = [
  "host_model_info",
  "host_define_grid",
  "host_render",
  "host_random",
  "host_register_plugin",
  "host_iq_1d",
  "host_image_2d",
  "model_kernels",
  "grid_data",
  "host_plan",
  "host_random_plan",
  "compile_probe",
];

/**
 * Calls `fn` of `host_api.py`; a Python error becomes a typed error whose message starts with
 * `context` (the model or file it concerns).
 */
export type HostCall = <F extends keyof HostApi>(
  fn: F,
  context: string,
  ...args: Parameters<HostApi[F]>
) => ReturnType<HostApi[F]>;
