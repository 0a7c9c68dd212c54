const casablancaDay = new Intl.DateTimeFormat('en-CA', {
  timeZone: 'Africa/Casablanca',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
});

// Formatting is a few microseconds and every authorization asks for the date twice: the last minute's
// answer is kept (time zones change offset on whole minutes, so a minute has one date).
let lastMinute = Number.NaN;
let lastDate = '';

/** The calendar date in Morocco (YYYY-MM-DD): daily limits, reports and yearly allowances follow it. */
export function moroccanDate(at: Date): string {
  const minute = Math.floor(at.getTime() / 60_000);
  if (minute !== lastMinute) {
    lastDate = casablancaDay.format(at);
    lastMinute = minute;
  }
  return lastDate;
}

export function moroccanYear(at: Date): number {
  return Number(moroccanDate(at).slice(0, 4));
}

/** The instants a Moroccan calendar day starts and ends, for queries by day. */
export function moroccanDayBounds(date: string): { start: Date; end: Date } {
  const startOf = (day: string) => {
    const utcMidnight = Date.parse(`${day}T00:00:00Z`);
    // Casablanca is UTC+1, or UTC+0 during Ramadan: read the offset that applies around that midnight.
    const offsetMs = offsetAt(new Date(utcMidnight));
    return new Date(utcMidnight - offsetMs);
  };
  const next = new Date(Date.parse(`${date}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
  return { start: startOf(date), end: startOf(next) };
}

const offsetFormat = new Intl.DateTimeFormat('en-US', {
  timeZone: 'Africa/Casablanca',
  timeZoneName: 'longOffset',
});

function offsetAt(at: Date): number {
  const name = offsetFormat.formatToParts(at).find((p) => p.type === 'timeZoneName')?.value ?? 'GMT';
  const match = /GMT([+-])(\d{2}):(\d{2})/.exec(name);
  if (!match) return 0;
  const minutes = Number(match[2]) * 60 + Number(match[3]);
  return (match[1] === '-' ? -1 : 1) * minutes * 60_000;
}

/** A day of the calendar as YYYY-MM-DD, from year 1 on: PostgreSQL has no year 0. Never throws. */
export function isCalendarDate(text: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text) || text < '0001-01-01') return false;
  const day = new Date(`${text}T00:00:00Z`);
  // An impossible month or day is an invalid Date; 30 February rolls over to March.
  return !Number.isNaN(day.getTime()) && day.toISOString().slice(0, 10) === text;
}
