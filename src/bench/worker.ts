/**
 * Entry point of one bench worker process (started by `WorkerPool` with
 * child_process.fork). It initialises its own tfjs backend with one compute
 * thread, then runs the configs the parent sends, one at a time, and sends
 * each record back; the parent is the only writer of the results store.
 */
import { pathToFileURL } from "node:url";
import { initBackend } from "../engine/backend.js";
import { tf } from "../engine/tf.js";
import { executeRun } from "../run/execute.js";
import { VERSION } from "../version.js";
import type { FromWorker, ToWorker } from "./messages.js";

function send(msg: FromWorker): void {
  if (process.connected) process.send?.(msg);
}

// Ctrl-C in a terminal reaches the whole process group; the parent decides
// whether in-flight runs finish or are abandoned, so workers ignore it.
process.on("SIGINT", () => {});
// The parent is gone (killed, even with SIGKILL): nothing can record our work, stop.
process.on("disconnect", () => process.exit(0));

async function handle(msg: ToWorker): Promise<void> {
  if (msg.type === "init") {
    try {
      for (const m of msg.imports) await import(m.startsWith("file:") ? m : pathToFileURL(m).href);
      const b = await initBackend(msg.backend, msg.threads);
      send({
        type: "ready",
        backend: b.name,
        threads: b.threads,
        versions: { antilearn: VERSION, tfjs: tf.version_core, node: process.versions.node },
      });
    } catch (e) {
      send({ type: "fatal", error: e instanceof Error ? `${e.name}: ${e.message}` : String(e) });
      process.exit(1);
    }
  } else if (msg.type === "run") {
    try {
      const record = await executeRun(msg.config, {
        onProgress: (e) => {
          // a busy worker only sees 'disconnect' between runs; check here too
          if (!process.connected) process.exit(0);
          if (e.curve) send({ type: "progress", id: msg.id, step: e.step, steps: e.steps, ...e.curve });
        },
      });
      send({ type: "done", id: msg.id, record });
    } catch (e) {
      send({ type: "error", id: msg.id, error: e instanceof Error ? `${e.name}: ${e.message}` : String(e) });
    }
  } else if (msg.type === "exit") {
    process.exit(0);
  }
}

// Messages are handled strictly in order (the parent sends one run at a time anyway).
let queue = Promise.resolve();
process.on("message", (msg: ToWorker) => {
  queue = queue.then(() => handle(msg));
});
