import { UnknownNameError } from "./errors.js";

/**
 * A typed name → entry map, as in DomainBed's registries: one per folder
 * (tasks, models, techniques, workloads). It refuses duplicates, so two files
 * cannot silently claim the same name, and an unknown name lists the valid ones.
 */
export class Registry<T extends { name: string }> {
  private readonly entries = new Map<string, T>();

  /** @param what singular noun used in error messages ("task", "technique"). */
  constructor(readonly what: string) {}

  /** Add an entry; throws if the name is taken. Returns the entry for chaining. */
  register(entry: T): T {
    if (this.entries.has(entry.name)) {
      throw new Error(`${this.what} '${entry.name}' is registered twice`);
    }
    this.entries.set(entry.name, entry);
    return entry;
  }

  /** The entry for `name`, or an UnknownNameError listing the valid names. */
  get(name: string): T {
    const e = this.entries.get(name);
    if (!e) throw new UnknownNameError(this.what, name, this.names());
    return e;
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  /** Registered names, sorted. */
  names(): string[] {
    return [...this.entries.keys()].sort();
  }

  /** Registered entries, sorted by name. */
  list(): T[] {
    return this.names().map((n) => this.entries.get(n) as T);
  }
}
