import { ResultStore, resolveDbPath } from "../../store/sqlite.js";
import { parseFlags } from "../args.js";
import { num, summarize, table } from "../format.js";

export const SHOW_HELP = `antilearn show RUN_ID [--json] [--db PATH]
antilearn show --list [--task NAME] [--technique NAME] [--db PATH]

Show a recorded run (a unique prefix of its id is enough), or list runs.
`;

/** `antilearn show`. */
export async function showCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags("show", {
    args: argv,
    allowPositionals: true,
    options: {
      db: { type: "string" },
      json: { type: "boolean", default: false },
      list: { type: "boolean", default: false },
      task: { type: "string" },
      technique: { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help || (!values.list && positionals.length === 0)) {
    process.stdout.write(SHOW_HELP);
    return values.help ? 0 : 2;
  }
  const store = new ResultStore(resolveDbPath(values.db));
  try {
    if (values.list) {
      const runs = store.list({ task: values.task, technique: values.technique });
      if (values.json) {
        process.stdout.write(
          `${JSON.stringify(runs.map((r) => ({ id: r.id, status: r.status, config: r.config, metrics: r.metrics })))}\n`,
        );
        return 0;
      }
      const rows = runs.map((r) => [
        r.id,
        r.config.task.name,
        r.config.technique.name,
        String(r.seed),
        r.status,
        num(r.metrics.accX),
        num(r.metrics.accY),
        String(r.steps),
      ]);
      process.stdout.write(`${table(["id", "task", "technique", "seed", "status", "accX", "accY", "steps"], rows)}\n`);
      return 0;
    }
    for (const id of positionals) {
      const r = store.get(id);
      process.stdout.write(values.json ? `${JSON.stringify(r)}\n` : `${summarize(r)}\n`);
    }
    return 0;
  } finally {
    store.close();
  }
}
