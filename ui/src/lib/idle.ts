// Ends a kiosk session nobody is using. Activity re-arms a wait of `idleSeconds`; when the wait
// runs out, a countdown of `countdownSeconds` starts, which the UI shows with a Continue button.
// While it counts, only Continue stops it: a stray touch must not dismiss the warning unseen.
// The seconds left are read from a deadline, not counted, so a late timer never stretches them.

export type IdleOptions = {
  idleSeconds: number;
  countdownSeconds: number;
  /** The whole seconds left, from `countdownSeconds` down to 0; `null` when no countdown runs. */
  onCountdown: (left: number | null) => void;
  /** Called once, when the countdown reaches 0; the timer is stopped by then. */
  onEnd: () => void;
};

export class IdleTimer {
  private wait: ReturnType<typeof setTimeout> | undefined;
  private tick: ReturnType<typeof setInterval> | undefined;
  private deadline: number | null = null;
  private left: number | null = null;
  private running = false;

  constructor(private readonly options: IdleOptions) {}

  start(): void {
    this.running = true;
    this.arm();
  }

  /** Someone touched, typed or moved the pointer: the wait starts again (not the countdown). */
  activity(): void {
    if (this.running && this.deadline === null) this.arm();
  }

  /** The Continue button: stops the countdown and waits again. */
  continue(): void {
    if (!this.running) return;
    this.stopCountdown();
    this.arm();
  }

  stop(): void {
    this.running = false;
    clearTimeout(this.wait);
    this.stopCountdown();
  }

  get counting(): boolean {
    return this.deadline !== null;
  }

  private arm(): void {
    clearTimeout(this.wait);
    this.wait = setTimeout(() => this.countDown(), this.options.idleSeconds * 1000);
  }

  private countDown(): void {
    this.deadline = Date.now() + this.options.countdownSeconds * 1000;
    this.update();
    if (this.deadline !== null) this.tick = setInterval(() => this.update(), 1000);
  }

  private update(): void {
    if (this.deadline === null) return;
    const left = Math.max(0, Math.ceil((this.deadline - Date.now()) / 1000));
    if (left !== this.left) {
      this.left = left;
      this.options.onCountdown(left);
    }
    if (left === 0) {
      this.stop();
      this.options.onEnd();
    }
  }

  private stopCountdown(): void {
    clearInterval(this.tick);
    this.tick = undefined;
    if (this.deadline !== null) {
      this.deadline = null;
      this.left = null;
      this.options.onCountdown(null);
    }
  }
}
