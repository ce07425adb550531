import { describe, expect, it } from 'vitest';
import type { Due, PetitionStatus, Step } from '../api';
import { chinaDate, choices, daysBetween, decisionToRate, dueLines } from './deadlines';

const noDue: Due = {
  route: null,
  notice: null,
  handling: null,
  review_request: null,
  review_decision: null,
  recheck_request: null,
  recheck_decision: null,
  overdue: [],
};

function status(partial: Partial<PetitionStatus>): PetitionStatus {
  return {
    id: 'p',
    state: 'replied',
    tracking_code: 'XF-2345-6789-ABCD-EFGH',
    received_at: '2026-11-01T02:00:00Z',
    events: [],
    outbox: null,
    due: noDue,
    steps: [],
    ...partial,
  };
}

function step(kind: Step['kind'], state: Step['state'], queued_at: string): Step {
  return { key: `${kind}-${queued_at}`, petition_id: 'p', kind, state, queued_at, error: null };
}

describe('deadlines', () => {
  it('counts days in China time', () => {
    // 16:30 UTC is already the next day in China.
    expect(chinaDate(new Date('2026-12-31T16:30:00Z'))).toBe('2027-01-01');
    expect(chinaDate(new Date('2026-12-31T15:59:00Z'))).toBe('2026-12-31');
    expect(daysBetween('2026-12-06', '2026-12-06')).toBe(0);
    expect(daysBetween('2026-02-27', '2026-03-01')).toBe(2);
    expect(daysBetween('2028-02-28', '2028-03-01')).toBe(2);
    expect(daysBetween('2026-12-10', '2026-12-06')).toBe(-4);
  });

  it('lists the deadlines that run now with days left or late, not those of steps taken', () => {
    const due = { ...noDue, route: '2026-11-16', handling: '2027-01-20', review_request: '2026-12-20' };
    expect(dueLines(due, '2026-12-06', 'submitted')).toEqual([{ name: 'route', date: '2026-11-16', left: -20 }]);
    expect(dueLines(due, '2026-12-06', 'replied')).toEqual([{ name: 'review_request', date: '2026-12-20', left: 14 }]);
    expect(dueLines(due, '2026-12-06', 'accepted')).toEqual([{ name: 'handling', date: '2027-01-20', left: 45 }]);
    expect(dueLines({ ...due, notice: '2026-12-10' }, '2026-12-06', 'registered')).toEqual([
      { name: 'notice', date: '2026-12-10', left: 4 },
    ]);
    expect(dueLines(due, '2026-12-06', 'rechecked')).toEqual([]);
  });

  it('asks to rate each decision once', () => {
    const replied = [
      { kind: 'submitted', at: '2026-11-01T02:00:00Z', text: null },
      { kind: 'replied', at: '2026-11-20T02:00:00Z', text: '答复' },
    ];
    expect(decisionToRate(replied, [])).toBe('replied');
    expect(decisionToRate([...replied, { kind: 'evaluated', at: '2026-11-21T02:00:00Z', text: 'dissatisfied' }], [])).toBe(null);
    // Rated here, not sent yet: not asked again; refused: asked again.
    expect(decisionToRate(replied, [step('evaluation', 'waiting', '2026-11-21T02:00:00Z')])).toBe(null);
    expect(decisionToRate(replied, [step('evaluation', 'refused', '2026-11-21T02:00:00Z')])).toBe('replied');
    const reviewed = [...replied, { kind: 'evaluated', at: '2026-11-21T02:00:00Z', text: null }, { kind: 'review_decided', at: '2026-12-01T02:00:00Z', text: '维持' }];
    expect(decisionToRate(reviewed, [step('evaluation', 'sent', '2026-11-21T02:00:00Z')])).toBe('review_decided');
  });

  it('offers 复查 while its window is open, 复核 after the review, and nothing after 复核', () => {
    const now = new Date('2026-12-06T04:00:00Z');
    const open = status({ due: { ...noDue, review_request: '2026-12-06' } });
    expect(choices(open, now).review).toBe(true);
    const closed = status({ due: { ...noDue, review_request: '2026-12-05' } });
    expect(choices(closed, now).review).toBe(false);
    const asked = status({ due: { ...noDue, review_request: '2026-12-20' }, steps: [step('review', 'waiting', '2026-12-06T03:00:00Z')] });
    expect(choices(asked, now).review).toBe(false);
    const reviewed = status({ state: 'reviewed', due: { ...noDue, recheck_request: '2026-12-30' } });
    expect(choices(reviewed, now)).toMatchObject({ review: false, recheck: true, concluded: false });
    const done = status({ state: 'rechecked', events: [{ kind: 'recheck_decided', at: '2026-12-01T02:00:00Z', text: null }] });
    expect(choices(done, now)).toMatchObject({ recheck: false, concluded: true, urge: false });
  });

  it('offers an urge once a day after a deadline passed', () => {
    const now = new Date('2026-12-06T04:00:00Z');
    const late = status({ state: 'submitted', due: { ...noDue, route: '2026-11-16', overdue: ['route'] } });
    expect(choices(late, now)).toMatchObject({ urge: true, urgedToday: false });
    const urged = status({ ...late, events: [{ kind: 'urged', at: '2026-12-06T01:00:00Z', text: null }] });
    expect(choices(urged, now)).toMatchObject({ urge: false, urgedToday: true });
    const yesterday = status({ ...late, events: [{ kind: 'urged', at: '2026-12-05T01:00:00Z', text: null }] });
    expect(choices(yesterday, now).urge).toBe(true);
  });
});
