import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { IdleTimer } from './idle';

function timer(idleSeconds = 180, countdownSeconds = 30) {
  const shown: (number | null)[] = [];
  const onEnd = vi.fn();
  const idle = new IdleTimer({ idleSeconds, countdownSeconds, onCountdown: (n) => shown.push(n), onEnd });
  return { idle, shown, onEnd };
}

describe('IdleTimer', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('starts the countdown after idle_seconds without activity', () => {
    const { idle, shown } = timer();
    idle.start();
    vi.advanceTimersByTime(179_999);
    expect(shown).toEqual([]);
    expect(idle.counting).toBe(false);
    vi.advanceTimersByTime(1);
    expect(shown).toEqual([30]);
    expect(idle.counting).toBe(true);
    vi.advanceTimersByTime(3000);
    expect(shown).toEqual([30, 29, 28, 27]);
  });

  it('waits again from the start on every activity', () => {
    const { idle, shown } = timer();
    idle.start();
    vi.advanceTimersByTime(170_000);
    idle.activity();
    vi.advanceTimersByTime(170_000);
    idle.activity();
    vi.advanceTimersByTime(179_000);
    expect(shown).toEqual([]);
    vi.advanceTimersByTime(1000);
    expect(shown).toEqual([30]);
  });

  it('ends exactly once when the countdown reaches 0', () => {
    const { idle, shown, onEnd } = timer();
    idle.start();
    vi.advanceTimersByTime(180_000 + 29_000);
    expect(onEnd).not.toHaveBeenCalled();
    expect(shown.at(-1)).toBe(1);
    vi.advanceTimersByTime(1000);
    expect(onEnd).toHaveBeenCalledTimes(1);
    expect(shown.slice(-2)).toEqual([0, null]);
    // Stopped: neither time nor activity brings it back.
    idle.activity();
    vi.advanceTimersByTime(10 * 60_000);
    expect(onEnd).toHaveBeenCalledTimes(1);
  });

  it('keeps counting through activity; only Continue cancels', () => {
    const { idle, shown, onEnd } = timer();
    idle.start();
    vi.advanceTimersByTime(180_000 + 10_000);
    idle.activity();
    expect(idle.counting).toBe(true);
    idle.continue();
    expect(idle.counting).toBe(false);
    expect(shown.at(-1)).toBeNull();
    vi.advanceTimersByTime(179_000);
    expect(onEnd).not.toHaveBeenCalled();
    expect(shown.at(-1)).toBeNull();
    // After Continue the full wait and the full countdown apply again.
    vi.advanceTimersByTime(1000);
    expect(shown.at(-1)).toBe(30);
    vi.advanceTimersByTime(30_000);
    expect(onEnd).toHaveBeenCalledTimes(1);
  });

  it('does nothing once stopped', () => {
    const { idle, shown, onEnd } = timer(5, 3);
    idle.start();
    vi.advanceTimersByTime(6000);
    idle.stop();
    vi.advanceTimersByTime(60_000);
    idle.continue();
    vi.advanceTimersByTime(60_000);
    expect(onEnd).not.toHaveBeenCalled();
    expect(shown).toEqual([3, 2, null]);
  });

  it('ends at once when there is no countdown to show', () => {
    const { idle, shown, onEnd } = timer(5, 0);
    idle.start();
    vi.advanceTimersByTime(5000);
    expect(shown).toEqual([0, null]);
    expect(onEnd).toHaveBeenCalledTimes(1);
  });
});
