/**
 * The calendar of a client secret that rotates. Two slots, `a` and `b`, take turns holding the
 * newest secret: period k starts `rotateEveryDays` × k days after the day rotation began (a moment
 * the stack records in its state once), and the secret made for period k is valid through the day
 * that lies `overlapDays` after the first day of period k + 1. So a new secret exists from the
 * first day of each period, the one it replaces stays valid `overlapDays` full days longer, and,
 * with overlapDays less than rotateEveryDays, a slot's secret has expired by the time the slot gets
 * its next one. Pure: time is counted in whole UTC days, and the clock is always passed in.
 */

export const slots = ["a", "b"] as const;

export type Slot = (typeof slots)[number];

export interface RotationPolicy {
  /** Days between two new secrets. */
  readonly rotateEveryDays: number;
  /** Days a secret stays valid after the next one is made. */
  readonly overlapDays: number;
}

export interface SlotSecret {
  readonly slot: Slot;
  /** The period the slot's secret was made for; -1 for the short secret slot b holds at first. */
  readonly period: number;
  /** When the secret stops working: 00:00 UTC after its last valid day, as RFC 3339. */
  readonly endDate: string;
}

const dayMs = 86_400_000;

/**
 * The rotation a secret credential asks for, or `undefined` for one that does not rotate. Without
 * `overlapDays`, the overlap is half the period, at least one day.
 */
export function rotationPolicy(credential: {
  readonly rotateEveryDays?: number;
  readonly overlapDays?: number;
}): RotationPolicy | undefined {
  const { rotateEveryDays, overlapDays } = credential;
  if (rotateEveryDays === undefined) return undefined;
  return {
    rotateEveryDays,
    overlapDays: overlapDays ?? Math.max(1, Math.floor(rotateEveryDays / 2)),
  };
}

/** Whole UTC days since 1970-01-01. */
export function utcDay(moment: Date): number {
  return Math.floor(moment.getTime() / dayMs);
}

/** 00:00 UTC of a day, as RFC 3339 without fractions (the form Entra reports). */
export function dayStart(day: number): string {
  return new Date(day * dayMs).toISOString().replace(".000Z", "Z");
}

/**
 * The period `today` falls in, for a calendar that began on `startDay`. A clock behind the recorded
 * start (another machine's) reads as period 0 rather than running the calendar backwards.
 */
export function periodOf(policy: RotationPolicy, startDay: number, today: number): number {
  return Math.max(0, Math.floor((today - startDay) / policy.rotateEveryDays));
}

/**
 * The day whose 00:00 UTC ends the secret made for `period`, on a calendar that began on
 * `startDay`: the day after its last valid one, so that it has `overlapDays` full days left when
 * the next period begins, whatever the hour of that day's run.
 */
export function endDay(policy: RotationPolicy, startDay: number, period: number): number {
  return startDay + (period + 1) * policy.rotateEveryDays + policy.overlapDays + 1;
}

/**
 * What both slots hold on the day of `now`: slot a the latest even period, slot b the latest odd
 * one (period -1, valid for `overlapDays` days after the start day, until period 1 begins).
 * `startedAt` is the moment recorded when rotation began; one not recorded yet counts as `now`.
 */
export function slotSecrets(
  policy: RotationPolicy,
  startedAt: string | undefined,
  now: Date,
): SlotSecret[] {
  const recorded = startedAt === undefined ? NaN : Date.parse(startedAt);
  const startDay = utcDay(Number.isNaN(recorded) ? now : new Date(recorded));
  const current = periodOf(policy, startDay, utcDay(now));
  return slots.map((slot, index) => {
    const period = current % 2 === index ? current : current - 1;
    return { slot, period, endDate: dayStart(endDay(policy, startDay, period)) };
  });
}

/** How a slot's secret is named in outputs (`primary@a`); `@` never occurs in a credential name. */
export function slotKey(credentialName: string, slot: Slot): string {
  return `${credentialName}@${slot}`;
}
