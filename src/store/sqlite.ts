import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import Database from "better-sqlite3";
import { NotFoundError } from "../util/errors.js";
import type { RunRecord } from "./types.js";

/** Where results go when neither `--db` nor ANTILEARN_DB says otherwise. */
export const DEFAULT_DB_PATH = ".antilearn/results.db";

/** The store path: explicit, else ANTILEARN_DB, else DEFAULT_DB_PATH under the working directory. */
export function resolveDbPath(explicit?: string): string {
  return resolve(explicit ?? process.env.ANTILEARN_DB ?? DEFAULT_DB_PATH);
}

const SCHEMA_VERSION = 1;

/** A named list of runs (a benchmark suite or a sweep), kept so reports can find its runs again. */
export interface PlanInfo {
  name: string;
  /** "suite" or "sweep". */
  kind: string;
  /** What it was expanded from (the suite file, the sweep grid), for reports. */
  spec: unknown;
  createdAt: string;
}

/** Filters for `list`. */
export interface RunFilter {
  task?: string;
  technique?: string;
  status?: "ok" | "failed";
}

/**
 * The results store: one SQLite file, WAL mode, one row per run keyed by run
 * id. Writes are single transactions, so a run is either fully recorded or
 * not at all, and a killed process never leaves half a record.
 */
export class ResultStore {
  private readonly db: Database.Database;

  constructor(readonly path: string) {
    mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    this.db.pragma("journal_mode = WAL");
    this.db.pragma("synchronous = NORMAL");
    this.db.pragma("busy_timeout = 10000");
    this.migrate();
  }

  private migrate(): void {
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS runs (
        id TEXT PRIMARY KEY,
        status TEXT NOT NULL,
        task TEXT NOT NULL,
        technique TEXT NOT NULL,
        model TEXT NOT NULL,
        seed INTEGER NOT NULL,
        backend TEXT NOT NULL,
        created_at TEXT NOT NULL,
        total_ms REAL NOT NULL,
        record TEXT NOT NULL
      );
      CREATE INDEX IF NOT EXISTS runs_task_technique ON runs (task, technique);
      CREATE TABLE IF NOT EXISTS plans (
        name TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        spec TEXT NOT NULL,
        created_at TEXT NOT NULL
      );
      CREATE TABLE IF NOT EXISTS plan_runs (
        plan TEXT NOT NULL,
        run_id TEXT NOT NULL,
        PRIMARY KEY (plan, run_id)
      );
    `);
    const row = this.db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").get() as
      | { value: string }
      | undefined;
    if (!row) {
      this.db.prepare("INSERT INTO meta (key, value) VALUES ('schema_version', ?)").run(String(SCHEMA_VERSION));
    } else if (Number(row.value) > SCHEMA_VERSION) {
      throw new Error(
        `results store ${this.path} has schema version ${row.value}, newer than this antilearn (${SCHEMA_VERSION}); upgrade antilearn`,
      );
    }
  }

  /** Insert or replace a record, atomically. */
  put(r: RunRecord): void {
    const stmt = this.db.prepare(
      `INSERT OR REPLACE INTO runs (id, status, task, technique, model, seed, backend, created_at, total_ms, record)
       VALUES (@id, @status, @task, @technique, @model, @seed, @backend, @created_at, @total_ms, @record)`,
    );
    this.db.transaction(() =>
      stmt.run({
        id: r.id,
        status: r.status,
        task: r.config.task.name,
        technique: r.config.technique.name,
        model: r.config.model.name,
        seed: r.seed,
        backend: r.backend,
        created_at: r.createdAt,
        total_ms: r.timing.totalMs,
        record: JSON.stringify(r),
      }),
    )();
  }

  /** True if a record with this id exists (whatever its status). */
  has(id: string): boolean {
    return this.db.prepare("SELECT 1 FROM runs WHERE id = ?").get(id) !== undefined;
  }

  /** The record, or undefined. */
  find(id: string): RunRecord | undefined {
    const row = this.db.prepare("SELECT record FROM runs WHERE id = ?").get(id) as { record: string } | undefined;
    return row ? (JSON.parse(row.record) as RunRecord) : undefined;
  }

  /** The record for `id` or a unique id prefix; NotFoundError otherwise. */
  get(idOrPrefix: string): RunRecord {
    const exact = this.find(idOrPrefix);
    if (exact) return exact;
    const rows = this.db
      .prepare("SELECT id FROM runs WHERE id LIKE ? ESCAPE '\\' LIMIT 3")
      .all(`${idOrPrefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`) as { id: string }[];
    if (rows.length === 1) return this.find(rows[0].id) as RunRecord;
    if (rows.length > 1) {
      throw new NotFoundError(`run id prefix '${idOrPrefix}' is ambiguous (${rows.map((r) => r.id).join(", ")}, …)`);
    }
    throw new NotFoundError(`no run '${idOrPrefix}' in ${this.path} (list runs with: antilearn show --list)`);
  }

  /** Records matching the filter, oldest first. */
  list(filter: RunFilter = {}): RunRecord[] {
    const where: string[] = [];
    const args: unknown[] = [];
    if (filter.task) {
      where.push("task = ?");
      args.push(filter.task);
    }
    if (filter.technique) {
      where.push("technique = ?");
      args.push(filter.technique);
    }
    if (filter.status) {
      where.push("status = ?");
      args.push(filter.status);
    }
    const sql = `SELECT record FROM runs ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY created_at, id`;
    return (this.db.prepare(sql).all(...args) as { record: string }[]).map((r) => JSON.parse(r.record) as RunRecord);
  }

  /**
   * Record a plan (a suite or sweep) and the run ids it consists of, in one
   * transaction. Saving the same name again replaces its spec and its ids:
   * a plan is what its suite or sweep means now (after a suite file or a
   * default changed, the old runs stay in the store, visible to an
   * unfiltered `antilearn report`, but are no longer the plan's).
   */
  savePlan(plan: PlanInfo, ids: readonly string[]): void {
    const upsert = this.db.prepare(
      "INSERT OR REPLACE INTO plans (name, kind, spec, created_at) VALUES (@name, @kind, @spec, @createdAt)",
    );
    const unlink = this.db.prepare("DELETE FROM plan_runs WHERE plan = ?");
    const link = this.db.prepare("INSERT OR IGNORE INTO plan_runs (plan, run_id) VALUES (?, ?)");
    this.db.transaction(() => {
      upsert.run({ ...plan, spec: JSON.stringify(plan.spec) });
      unlink.run(plan.name);
      for (const id of ids) link.run(plan.name, id);
    })();
  }

  /** All saved plans, oldest first. */
  plans(): PlanInfo[] {
    const rows = this.db.prepare("SELECT name, kind, spec, created_at FROM plans ORDER BY created_at, name").all() as {
      name: string;
      kind: string;
      spec: string;
      created_at: string;
    }[];
    return rows.map((r) => ({ name: r.name, kind: r.kind, spec: JSON.parse(r.spec), createdAt: r.created_at }));
  }

  /** The run ids of a plan (recorded or not yet), sorted. */
  planIds(name: string): string[] {
    const rows = this.db.prepare("SELECT run_id FROM plan_runs WHERE plan = ? ORDER BY run_id").all(name) as {
      run_id: string;
    }[];
    return rows.map((r) => r.run_id);
  }

  /** The ids among `ids` that have a record, with its status. */
  statuses(ids: readonly string[]): Map<string, RunRecord["status"]> {
    const out = new Map<string, RunRecord["status"]>();
    const stmt = this.db.prepare("SELECT status FROM runs WHERE id = ?");
    for (const id of ids) {
      const row = stmt.get(id) as { status: RunRecord["status"] } | undefined;
      if (row) out.set(id, row.status);
    }
    return out;
  }

  /** The records among `ids` (missing ids are skipped), in the order given. */
  records(ids: readonly string[]): RunRecord[] {
    const out: RunRecord[] = [];
    for (const id of ids) {
      const r = this.find(id);
      if (r) out.push(r);
    }
    return out;
  }

  /** Number of records. */
  count(): number {
    return (this.db.prepare("SELECT COUNT(*) AS n FROM runs").get() as { n: number }).n;
  }

  close(): void {
    this.db.close();
  }
}
