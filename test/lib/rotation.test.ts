import fc from "fast-check";
import {
  dayStart,
  endDay,
  periodOf,
  rotationPolicy,
  slotKey,
  slotSecrets,
  utcDay,
  type RotationPolicy,
  type Slot,
} from "../../lib/rotation.ts";

const dayMs = 86_400_000;

/** One client secret as Entra holds it. */
interface Secret {
  readonly slot: Slot;
  readonly createdAt: number;
  readonly endsAt: number;
  deletedAt?: number;
}

/**
 * A stack deployed with `pulumi up` over and over: the time resource records the first run's
 * moment, and a slot's secret is replaced (new one created, then the old one deleted) whenever the
 * end date the calendar gives it differs from the one it has, which is what the engine diffs.
 */
class Deployment {
  readonly secrets: Secret[] = [];
  private startedAt: string | undefined;
  private readonly current = new Map<Slot, Secret>();

  private readonly policy: RotationPolicy;

  constructor(policy: RotationPolicy) {
    this.policy = policy;
  }

  /** One `pulumi up` at `now`; returns the secrets it created and the ones it deleted. */
  run(now: number): { created: Secret[]; deleted: Secret[] } {
    this.startedAt ??= new Date(now).toISOString();
    const created: Secret[] = [];
    const deleted: Secret[] = [];
    for (const wanted of slotSecrets(this.policy, this.startedAt, new Date(now))) {
      const held = this.current.get(wanted.slot);
      if (held && dayStart(held.endsAt / dayMs) === wanted.endDate) continue;
      const secret = { slot: wanted.slot, createdAt: now, endsAt: Date.parse(wanted.endDate) };
      this.secrets.push(secret);
      this.current.set(wanted.slot, secret);
      created.push(secret);
      if (held) deleted.push(held);
    }
    for (const secret of deleted) secret.deletedAt = now;
    return { created, deleted };
  }

  /** Secrets that exist in Entra at `moment` and still work. */
  validAt(moment: number): Secret[] {
    return this.secrets.filter(
      (secret) =>
        secret.createdAt <= moment &&
        (secret.deletedAt === undefined || secret.deletedAt > moment) &&
        secret.endsAt > moment,
    );
  }
}

/** A small seeded generator, so that named cases run the same hours every time. */
function hours(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    return state % dayMs;
  };
}

interface Summary {
  readonly created: number;
  readonly rerunChanges: number;
  readonly mostValid: number;
  readonly leastDaysLeft: number;
  readonly validDeleted: number;
  readonly bornExpired: number;
}

/**
 * Two years of daily runs, each followed by a re-run later the same UTC day, starting at `start`;
 * every run is checked against the promises the calendar makes.
 */
function simulateDaily(policy: RotationPolicy, start: number, seed: number): Summary {
  const deployment = new Deployment(policy);
  const nextHour = hours(seed);
  const firstDay = Math.floor(start / dayMs);
  let rerunChanges = 0;
  let mostValid = 0;
  let leastDaysLeft = Infinity;
  let validDeleted = 0;
  let bornExpired = 0;

  for (let day = firstDay; day < firstDay + 730; day++) {
    const first = day === firstDay ? start : day * dayMs + nextHour();
    const room = (day + 1) * dayMs - first - 1;
    const rerun = room > 0 ? first + 1 + (nextHour() % room) : first;

    for (const [index, moment] of [first, rerun].entries()) {
      // The moment just before a run is the worst one since the previous run: time has passed and
      // nothing has changed yet.
      if (moment > start) {
        const best = Math.max(...deployment.validAt(moment - 1).map((s) => s.endsAt), -Infinity);
        leastDaysLeft = Math.min(leastDaysLeft, (best - moment) / dayMs);
      }

      const { created, deleted } = deployment.run(moment);
      if (index === 1) rerunChanges += created.length + deleted.length;
      validDeleted += deleted.filter((secret) => secret.endsAt > moment).length;
      bornExpired += created.filter((secret) => secret.endsAt <= moment).length;
      mostValid = Math.max(mostValid, deployment.validAt(moment).length);
    }
  }
  return {
    created: deployment.secrets.length,
    rerunChanges,
    mostValid,
    leastDaysLeft,
    validDeleted,
    bornExpired,
  };
}

describe("rotationPolicy", () => {
  it("is undefined for a secret that does not rotate", () => {
    expect(rotationPolicy({})).toBeUndefined();
    expect(rotationPolicy({ overlapDays: 7 })).toBeUndefined();
  });

  it("takes both numbers as given", () => {
    expect(rotationPolicy({ rotateEveryDays: 90, overlapDays: 14 })).toEqual({
      rotateEveryDays: 90,
      overlapDays: 14,
    });
  });

  it.each([
    [30, 15],
    [7, 3],
    [3, 1],
    [1, 1],
  ])("overlaps half of a %i-day period by default: %i days", (rotateEveryDays, overlapDays) => {
    expect(rotationPolicy({ rotateEveryDays })).toEqual({ rotateEveryDays, overlapDays });
  });
});

describe("the calendar", () => {
  const policy = { rotateEveryDays: 30, overlapDays: 7 };
  const startedAt = "2026-01-10T15:42:00Z";

  it("counts whole UTC days", () => {
    expect(utcDay(new Date("1970-01-02T00:00:00Z"))).toBe(1);
    expect(utcDay(new Date("2026-01-10T23:59:59.999Z"))).toBe(20_463);
    expect(dayStart(20_463)).toBe("2026-01-10T00:00:00Z");
  });

  it("starts with a full secret in slot a and a short one in slot b", () => {
    expect(slotSecrets(policy, startedAt, new Date("2026-01-10T15:42:01Z"))).toEqual([
      { slot: "a", period: 0, endDate: "2026-02-17T00:00:00Z" },
      { slot: "b", period: -1, endDate: "2026-01-18T00:00:00Z" },
    ]);
  });

  it("keeps both slots through the last day of a period, whatever the hour", () => {
    expect(slotSecrets(policy, startedAt, new Date("2026-02-08T23:59:59Z"))).toEqual(
      slotSecrets(policy, startedAt, new Date("2026-01-10T16:00:00Z")),
    );
  });

  it("gives slot b the new secret on the first day of period 1", () => {
    expect(slotSecrets(policy, startedAt, new Date("2026-02-09T00:00:00Z"))).toEqual([
      { slot: "a", period: 0, endDate: "2026-02-17T00:00:00Z" },
      { slot: "b", period: 1, endDate: "2026-03-19T00:00:00Z" },
    ]);
  });

  it("gives slot a the new secret on the first day of period 2", () => {
    expect(slotSecrets(policy, startedAt, new Date("2026-03-11T08:00:00Z"))).toEqual([
      { slot: "a", period: 2, endDate: "2026-04-18T00:00:00Z" },
      { slot: "b", period: 1, endDate: "2026-03-19T00:00:00Z" },
    ]);
  });

  it("reads a clock behind the recorded start as period 0", () => {
    expect(periodOf(policy, utcDay(new Date(startedAt)), utcDay(new Date("2026-01-01")))).toBe(0);
    expect(slotSecrets(policy, startedAt, new Date("2026-01-09T12:00:00Z"))).toEqual(
      slotSecrets(policy, startedAt, new Date(startedAt)),
    );
  });

  it("starts the calendar today while the start is not recorded yet", () => {
    const now = new Date("2026-05-05T05:05:05Z");
    expect(slotSecrets(policy, undefined, now)).toEqual(
      slotSecrets(policy, "2026-05-05T00:00:00Z", now),
    );
    expect(slotSecrets(policy, undefined, now)[0].endDate).toBe("2026-06-12T00:00:00Z");
  });

  it("ends a period's secret overlapDays full days into the next period", () => {
    expect(endDay(policy, 100, 0)).toBe(138);
    expect(endDay(policy, 100, 3)).toBe(228);
    expect(endDay(policy, 100, -1)).toBe(108);
  });

  it("names the slots' values after the credential", () => {
    expect(slotKey("primary", "a")).toBe("primary@a");
    expect(slotKey("primary", "b")).toBe("primary@b");
  });

  it("gives the older slot an end date already past after a period without a run", () => {
    const deployment = new Deployment(policy);
    deployment.run(Date.parse(startedAt));

    const late = new Date("2026-03-26T09:00:00Z");
    const [newest, older] = slotSecrets(policy, startedAt, late);

    expect(newest).toEqual({ slot: "a", period: 2, endDate: "2026-04-18T00:00:00Z" });
    expect(older).toEqual({ slot: "b", period: 1, endDate: "2026-03-19T00:00:00Z" });
    expect(Date.parse(older.endDate)).toBeLessThan(late.getTime());
  });
});

describe("two years of daily runs", () => {
  it.each([
    [90, 14],
    [30, 7],
    [7, 1],
    [2, 1],
    [365, 30],
    [730, 365],
    [180, 179],
  ])("every %i days with %i days of overlap", (rotateEveryDays, overlapDays) => {
    const policy = { rotateEveryDays, overlapDays };
    const start = Date.parse("2026-01-10T15:42:00Z");

    const summary = simulateDaily(policy, start, rotateEveryDays * 31 + overlapDays);

    expect(summary).toEqual({
      // The two first secrets, then one at the start of every later period within the 730 days.
      created: 2 + Math.floor(729 / rotateEveryDays),
      rerunChanges: 0,
      mostValid: 2,
      leastDaysLeft: expect.any(Number),
      validDeleted: 0,
      bornExpired: 0,
    });
    expect(summary.leastDaysLeft).toBeGreaterThanOrEqual(overlapDays);
  });

  it("keeps its promises for any period, overlap, start and hours", () => {
    const cases = fc.integer({ min: 2, max: 730 }).chain((rotateEveryDays) =>
      fc.record({
        rotateEveryDays: fc.constant(rotateEveryDays),
        overlapDays: fc.integer({ min: 1, max: Math.min(rotateEveryDays - 1, 365) }),
        start: fc.integer({ min: Date.parse("2020-01-01"), max: Date.parse("2035-01-01") }),
        seed: fc.integer({ min: 0, max: 2 ** 31 }),
      }),
    );

    fc.assert(
      fc.property(cases, ({ rotateEveryDays, overlapDays, start, seed }) => {
        const summary = simulateDaily({ rotateEveryDays, overlapDays }, start, seed);

        expect(summary.created).toBe(2 + Math.floor(729 / rotateEveryDays));
        expect(summary.rerunChanges).toBe(0);
        expect(summary.mostValid).toBe(2);
        expect(summary.leastDaysLeft).toBeGreaterThanOrEqual(overlapDays);
        expect(summary.validDeleted).toBe(0);
        expect(summary.bornExpired).toBe(0);
      }),
      { numRuns: 60 },
    );
  });

  it("never leaves a moment without a valid secret when runs are at most overlapDays apart", () => {
    const cases = fc.integer({ min: 2, max: 120 }).chain((rotateEveryDays) =>
      fc.record({
        policy: fc.record({
          rotateEveryDays: fc.constant(rotateEveryDays),
          overlapDays: fc.integer({ min: 1, max: rotateEveryDays - 1 }),
        }),
        start: fc.integer({ min: Date.parse("2024-01-01"), max: Date.parse("2030-01-01") }),
        gaps: fc.array(fc.double({ min: 0.01, max: 1, noNaN: true }), {
          minLength: 100,
          maxLength: 300,
        }),
      }),
    );

    fc.assert(
      fc.property(cases, ({ policy, start, gaps }) => {
        const deployment = new Deployment(policy);
        deployment.run(start);
        let moment = start;
        for (const fraction of gaps) {
          moment += Math.floor(fraction * policy.overlapDays * dayMs);
          expect(deployment.validAt(moment - 1).length).toBeGreaterThan(0);

          const { created, deleted } = deployment.run(moment);

          expect(created.filter((secret) => secret.endsAt <= moment)).toEqual([]);
          expect(deleted.filter((secret) => secret.endsAt > moment)).toEqual([]);
          expect(deployment.validAt(moment).length).toBeLessThanOrEqual(2);
        }
      }),
      { numRuns: 100 },
    );
  });
});
