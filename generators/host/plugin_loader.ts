/**
 * Loads the user's plugin files before generation: each is executed and smoke-tested in a worker
 * with a time limit, so a plugin whose module or `Iq` never returns is an error naming the file.
 * @module
 */
import { FormatError, SasModelError, UsageError } from "../../pipeline/errors.ts";

/** Registers `plugins` in a worker's Pyodide and returns their model names, in order. */
export function loadPluginNames(
  plugins: readonly { source: string; filename: string }[],
  timeoutSeconds: number,
): Promise<string[]> {
  if (plugins.length === 0) return Promise.resolve([]);
  const worker = new Worker(new URL("./_plugin_worker.ts", import.meta.url).href, {
    type: "module",
  });
  const { promise, resolve, reject } = Promise.withResolvers<string[]>();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const finish = () => {
    clearTimeout(timer);
    worker.terminate();
  };
  worker.onmessage = (ev: MessageEvent) => {
    const m = ev.data;
    if (m.type === "loading") {
      clearTimeout(timer);
      timer = setTimeout(() => {
        finish();
        reject(
          new SasModelError(
            `--plugin: ${m.filename}: loading it (and one call of its kernels) took over ` +
              `${timeoutSeconds} s; does its Iq ever return?`,
          ),
        );
      }, timeoutSeconds * 1000);
    } else if (m.type === "done") {
      finish();
      resolve(m.names);
    } else if (m.type === "error") {
      finish();
      const ctor = { SasModelError, FormatError, UsageError }[m.kind as string];
      reject(ctor ? new ctor(m.message) : new Error(`plugin worker failed: ${m.message}`));
    }
  };
  worker.onerror = (ev) => {
    ev.preventDefault();
    finish();
    reject(new Error(`plugin worker crashed: ${ev.message}`));
  };
  worker.postMessage(plugins);
  return promise;
}
