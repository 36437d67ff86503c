/**
 * Holds a journey's escalation at its first step, the close of the overdue task, while shut: the
 * moment an act (a completion, a reassignment, a promoter answer) can race the SLA. A test worker
 * passes the real closeTask activity through it, so everything else is the real journey.
 */
export class EscalationGate {
  #opened: Promise<void> | null = null;
  #open: () => void = () => {};
  #reached: Promise<void> = Promise.resolve();
  #reach: () => void = () => {};

  shut(): void {
    this.#opened = new Promise((resolve) => {
      this.#open = resolve;
    });
    this.#reached = new Promise((resolve) => {
      this.#reach = resolve;
    });
  }

  open(): void {
    this.#open();
    this.#opened = null;
  }

  /** Settles once an escalation waits at the shut gate: its journey is then "escalating". */
  reached(): Promise<void> {
    return this.#reached;
  }

  /** Waits while the gate is shut. */
  async pass(): Promise<void> {
    if (!this.#opened) return;
    this.#reach();
    await this.#opened;
  }
}
