// A delivered petition's deadlines as the outbox shows them: days left or days late, counted in
// China Standard Time (UTC+8, no summer time) like the bureau's periods, and what the citizen
// may do next. The periods themselves are the bureau's (`due` of its last answer); here they are
// only read against today's date.
import type { BureauEvent, Due, PetitionState as State, PetitionStatus, Step, StepKind } from '../api';

/** The deadlines in the order a petition meets them. */
export const DUE_NAMES = [
  'route',
  'notice',
  'handling',
  'review_request',
  'review_decision',
  'recheck_request',
  'recheck_decision',
] as const satisfies readonly Exclude<keyof Due, 'overdue'>[];
export type DueName = (typeof DUE_NAMES)[number];

/** The citizen's own periods (to ask for 复查 and 复核); the others are the bureau's. */
export const CITIZENS_DUE: readonly DueName[] = ['review_request', 'recheck_request'];

const DAY_MS = 86_400_000;
const CHINA_OFFSET_MS = 8 * 3_600_000;

/** Today's date in China (`YYYY-MM-DD`). */
export function chinaDate(at: Date = new Date()): string {
  return new Date(at.getTime() + CHINA_OFFSET_MS).toISOString().slice(0, 10);
}

/** Days from `from` to `to` (both `YYYY-MM-DD`): 0 on the same day, negative when `to` is earlier. */
export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS);
}

/** One deadline: its last day, and the days left (0: today is the last) or, when negative, late. */
export interface DueLine {
  name: DueName;
  date: string;
  left: number;
}

/** The deadlines a petition in `state` waits on: the bureau's next step, and the citizen's own
 *  window once a decision came. Those of steps already taken are not shown. */
const RUNNING: Partial<Record<State, readonly DueName[]>> = {
  submitted: ['route', 'notice'],
  registered: ['notice', 'route'],
  accepted: ['handling'],
  handling: ['handling'],
  replied: ['review_request'],
  closed: ['review_request'],
  review_requested: ['review_decision'],
  reviewed: ['recheck_request'],
  recheck_requested: ['recheck_decision'],
};

/** The deadlines that run now for a petition in `state`, in order; for `submitted` and
 *  `registered`, the notice once routing is done, else the routing. */
export function dueLines(due: Due, today: string, state: State): DueLine[] {
  const names = RUNNING[state] ?? [];
  const lines = DUE_NAMES.filter((n) => names.includes(n)).flatMap((name) => {
    const date = due[name];
    return date ? [{ name, date, left: daysBetween(today, date) }] : [];
  });
  // Routed: its notice is what runs, not the routing.
  return lines.some((l) => l.name === 'notice') ? lines.filter((l) => l.name !== 'route') : lines;
}

const DECISIONS = ['replied', 'review_decided', 'recheck_decided'] as const;
export type DecisionEvent = (typeof DECISIONS)[number];

/** The bureau's latest decision that nobody rated yet (here or at the bureau), if any. */
export function decisionToRate(events: BureauEvent[], steps: Step[]): DecisionEvent | null {
  let last = -1;
  events.forEach((e, i) => {
    if ((DECISIONS as readonly string[]).includes(e.kind)) last = i;
  });
  if (last < 0) return null;
  if (events.slice(last + 1).some((e) => e.kind === 'evaluated')) return null;
  const decidedAt = Date.parse(events[last]!.at);
  if (steps.some((s) => s.kind === 'evaluation' && s.state !== 'refused' && Date.parse(s.queued_at) >= decidedAt)) {
    return null;
  }
  return events[last]!.kind as DecisionEvent;
}

/** Whether a step of `kind` waits to be sent. */
export function waiting(steps: Step[], kind: StepKind): boolean {
  return steps.some((s) => s.kind === kind && s.state === 'waiting');
}

/** What the citizen may do with a delivered petition today. */
export interface Choices {
  rate: DecisionEvent | null;
  review: boolean;
  recheck: boolean;
  /** After 复核: 不再受理. */
  concluded: boolean;
  /** A deadline of the bureau's has passed and nobody urged today. */
  urge: boolean;
  /** Urged today already: the next is possible tomorrow. */
  urgedToday: boolean;
}

export function choices(st: PetitionStatus, now: Date = new Date()): Choices {
  const today = chinaDate(now);
  const due = st.due;
  const open = (last: string | null) => last !== null && daysBetween(today, last) >= 0;
  const urgedToday =
    st.events.some((e) => e.kind === 'urged' && chinaDate(new Date(e.at)) === today) ||
    st.steps.some((s) => s.kind === 'urge' && s.state !== 'refused' && chinaDate(new Date(s.queued_at)) === today);
  const concluded = st.events.some((e) => e.kind === 'recheck_decided');
  return {
    rate: decisionToRate(st.events, st.steps),
    review: st.state === 'replied' && open(due.review_request) && !waiting(st.steps, 'review'),
    recheck: st.state === 'reviewed' && open(due.recheck_request) && !waiting(st.steps, 'recheck'),
    concluded,
    urge: !concluded && due.overdue.length > 0 && !urgedToday,
    urgedToday: due.overdue.length > 0 && urgedToday,
  };
}
