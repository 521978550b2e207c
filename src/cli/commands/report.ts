import { dirname, join, resolve } from "node:path";
import { describeFiles, writeReport } from "../../report/report.js";
import { ResultStore, resolveDbPath } from "../../store/sqlite.js";
import type { RunRecord } from "../../store/types.js";
import { NotFoundError } from "../../util/errors.js";
import { parseFlags } from "../args.js";

export const REPORT_HELP = `antilearn report [--db PATH] [--out DIR] [--plan NAME]

Write the leaderboard (Markdown and HTML) and an HTML report with plots
(training curves, relearning curves, sweep curves, irrep shares, Fourier
spectra, where the runs have them) from the results store.

  --plan NAME     only the runs of one suite or sweep (default: every run)
  --task NAME     only runs of this task pair
  --technique N   only runs of this technique (its baseline runs are kept for the scores)
  --out DIR       output folder (default: reports/<plan or "all"> next to the store)
  --db PATH       results store (default: ANTILEARN_DB or .antilearn/results.db)
`;

/** `antilearn report`. */
export async function reportCommand(argv: string[]): Promise<number> {
  const { values } = parseFlags("report", {
    args: argv,
    options: {
      db: { type: "string" },
      out: { type: "string" },
      plan: { type: "string" },
      task: { type: "string" },
      technique: { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    process.stdout.write(REPORT_HELP);
    return 0;
  }
  const store = new ResultStore(resolveDbPath(values.db));
  const all = store.plans();
  let plans = all.map((info) => ({ info, ids: store.planIds(info.name) }));
  let records: RunRecord[];
  if (values.plan) {
    plans = plans.filter((p) => p.info.name === values.plan);
    if (!plans.length) {
      throw new NotFoundError(
        `no plan '${values.plan}' in ${store.path}; plans: ${all.map((p) => p.name).join(", ") || "(none: run antilearn bench or sweep first)"}`,
      );
    }
    records = store.records(plans[0].ids);
  } else {
    records = store.list();
  }
  if (values.technique)
    records = records.filter((r) => [values.technique, "baseline"].includes(r.config.technique.name));
  if (values.task) records = records.filter((r) => r.config.task.name === values.task);
  const out = resolve(values.out ?? join(dirname(store.path), "reports", values.plan ?? "all"));
  store.close();
  const files = await writeReport(
    { records, plans, title: values.plan ? `antilearn report: ${values.plan}` : "antilearn report" },
    out,
  );
  process.stdout.write(`${records.length} runs\n${describeFiles(files)}`);
  return 0;
}
