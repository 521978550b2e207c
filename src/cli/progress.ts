/**
 * Progress output: a one-line bar redrawn in place on a TTY, plain lines at
 * checkpoints otherwise (CI logs, pipes). Writes to stderr so that stdout
 * stays clean for `--json`.
 */
export class Progress {
  private readonly tty: boolean;
  private lastDraw = 0;
  private lastLine = "";

  constructor(
    private readonly label: string,
    private readonly stream: NodeJS.WriteStream = process.stderr,
    private readonly quiet = false,
  ) {
    this.tty = Boolean(stream.isTTY) && !quiet;
  }

  /** Report a step; `checkpoint` marks steps with fresh evaluation numbers. */
  update(step: number, total: number, fields: Record<string, number>, checkpoint: boolean): void {
    if (this.quiet) return;
    const text = Object.entries(fields)
      .map(([k, v]) => `${k} ${fmt(v)}`)
      .join("  ");
    if (this.tty) {
      const now = Date.now();
      if (now - this.lastDraw < 100 && step !== total) return;
      this.lastDraw = now;
      const width = 24;
      const done = total > 0 ? Math.round((width * step) / total) : width;
      const bar = `${"█".repeat(done)}${"░".repeat(width - done)}`;
      this.lastLine = `${this.label} ${bar} ${step}/${total}  ${text}`;
      this.stream.write(`\r\x1b[2K${this.lastLine}`);
    } else if (checkpoint) {
      this.stream.write(`${this.label} step ${step}/${total}  ${text}\n`);
    }
  }

  /** Finish the bar (newline on a TTY). */
  done(): void {
    if (this.tty && this.lastLine) this.stream.write("\n");
  }
}

function fmt(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (Math.abs(v) >= 100) return v.toFixed(0);
  return v.toFixed(4);
}
