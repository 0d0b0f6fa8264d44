// A looping clock over a clip's frames. Players that share one stay in sync frame for frame.

export const SPEEDS = [0.25, 0.5, 1, 2] as const;

export class Playback {
  frame = $state(0);
  frameCount = $state(1);
  playing = $state(true);
  speed = $state(1);
  fps = $state(8);
  #raf = 0;
  #last = 0;
  #carry = 0;

  constructor(options: { fps?: number; frameCount?: number; playing?: boolean } = {}) {
    this.fps = options.fps ?? 8;
    this.frameCount = Math.max(1, options.frameCount ?? 1);
    this.playing = options.playing ?? true;
  }

  /** Starts the clock; returns a stop function (for $effect cleanup). */
  start(): () => void {
    const tick = (now: number) => {
      if (this.playing && this.frameCount > 1) {
        this.#carry += ((now - (this.#last || now)) / 1000) * this.fps * this.speed;
        const advance = Math.floor(this.#carry);
        if (advance > 0) {
          this.#carry -= advance;
          this.frame = (this.frame + advance) % this.frameCount;
        }
      } else {
        this.#carry = 0;
      }
      this.#last = now;
      this.#raf = requestAnimationFrame(tick);
    };
    this.#raf = requestAnimationFrame(tick);
    return () => cancelAnimationFrame(this.#raf);
  }

  setFrameCount(count: number): void {
    this.frameCount = Math.max(1, count);
    if (this.frame >= this.frameCount) this.frame = 0;
  }

  toggle(): void {
    this.playing = !this.playing;
  }

  step(delta: number): void {
    this.playing = false;
    this.frame = (((this.frame + delta) % this.frameCount) + this.frameCount) % this.frameCount;
  }

  seek(frame: number): void {
    this.frame = Math.max(0, Math.min(this.frameCount - 1, Math.round(frame)));
  }
}
