/// <reference lib="deno.worker" />
/** Web Worker: loads (validates) plugin files in its own Pyodide, so a plugin that never returns can be stopped. */
import { SasquashError } from "../../pipeline/errors.ts";
import { SasHost } from "./pyodide_host.ts";

self.onmessage = async (event: MessageEvent) => {
  const plugins = event.data as { source: string; filename: string }[];
  try {
    const host = await SasHost.create();
    const names: string[] = [];
    for (const p of plugins) {
      self.postMessage({ type: "loading", filename: p.filename });
      names.push(host.registerPlugin(p.source, p.filename));
    }
    self.postMessage({ type: "done", names });
  } catch (e) {
    const typed = e instanceof SasquashError;
    self.postMessage({
      type: "error",
      kind: typed ? e.name : "Error",
      message: typed ? e.message : String((e as Error)?.stack ?? e),
    });
  }
};
