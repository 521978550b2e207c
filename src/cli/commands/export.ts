import { writeFileSync } from "node:fs";
import { EXPORT_FORMATS, type ExportFormat, toCsv, toJsonl } from "../../report/export.js";
import { ResultStore, resolveDbPath } from "../../store/sqlite.js";
import { ConfigError } from "../../util/errors.js";
import { parseFlags } from "../args.js";

export const EXPORT_HELP = `antilearn export --format csv|jsonl [--out FILE] [--db PATH]

Export the records of the results store: csv (one row per run: id, status,
seed, the flattened config as section.key columns, then the metrics) or
jsonl (one whole record per line). Writes to stdout unless --out is given.

  --format F      csv | jsonl
  --out FILE      output file (default: stdout)
  --plan NAME     only the runs of one suite or sweep
  --task NAME     only runs of this task pair
  --technique N   only runs of this technique
  --status S      ok | failed
  --db PATH       results store (default: ANTILEARN_DB or .antilearn/results.db)
`;

/** `antilearn export`. */
export async function exportCommand(argv: string[]): Promise<number> {
  const { values } = parseFlags("export", {
    args: argv,
    options: {
      format: { type: "string" },
      out: { type: "string" },
      db: { type: "string" },
      plan: { type: "string" },
      task: { type: "string" },
      technique: { type: "string" },
      status: { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    process.stdout.write(EXPORT_HELP);
    return 0;
  }
  const format = values.format as ExportFormat | undefined;
  if (!format || !(EXPORT_FORMATS as readonly string[]).includes(format)) {
    throw new ConfigError(
      `antilearn export: --format must be one of ${EXPORT_FORMATS.join(", ")}, got '${values.format ?? ""}'`,
    );
  }
  if (values.status !== undefined && values.status !== "ok" && values.status !== "failed") {
    throw new ConfigError(`antilearn export: --status must be ok or failed, got '${values.status}'`);
  }
  const store = new ResultStore(resolveDbPath(values.db));
  let records = store.list({
    task: values.task,
    technique: values.technique,
    status: values.status as "ok" | "failed" | undefined,
  });
  if (values.plan) {
    const ids = new Set(store.planIds(values.plan));
    if (!ids.size) {
      const names = store.plans().map((p) => p.name);
      store.close();
      throw new ConfigError(`antilearn export: no plan '${values.plan}'; plans: ${names.join(", ") || "(none)"}`);
    }
    records = records.filter((r) => ids.has(r.id));
  }
  store.close();
  const text = format === "csv" ? toCsv(records) : toJsonl(records);
  if (values.out) {
    writeFileSync(values.out, text);
    process.stderr.write(`${records.length} records → ${values.out}\n`);
  } else process.stdout.write(text);
  return 0;
}
