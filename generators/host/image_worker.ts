/// <reference lib="deno.worker" />
/** Web Worker: one Pyodide interpreter computing generation jobs sent by {@linkcode ImageSource}. */
import { SasquashError } from "../../pipeline/errors.ts";
import { type GenerationSettings, runJob } from "./image_job.ts";
import { SasHost } from "./pyodide_host.ts";

let host: SasHost | undefined;
let settings: GenerationSettings | undefined;

self.onmessage = async (event: MessageEvent) => {
  const msg = event.data;
  try {
    if (msg.type === "init") {
      settings = msg.settings as GenerationSettings;
      host = await SasHost.create();
      for (const p of settings.plugins) host.registerPlugin(p.source, p.filename);
      self.postMessage({ type: "ready" });
    } else if (msg.type === "job") {
      const result = runJob(host!, settings!, msg.start, msg.end, (index, model) => {
        self.postMessage({ type: "image", index, model });
      });
      self.postMessage({ type: "result", id: msg.id, result }, [result.data.buffer as ArrayBuffer]);
    }
  } catch (e) {
    const typed = e instanceof SasquashError;
    self.postMessage({
      type: "error",
      id: msg.id,
      kind: typed ? e.name : "Error",
      message: typed ? e.message : String((e as Error)?.stack ?? e),
    });
  }
};
