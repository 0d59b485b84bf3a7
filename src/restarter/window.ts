/**
 * The maintenance window: whether restarts may happen now, and when the window next opens.
 * Wall-clock times are read in the window's IANA time zone with Intl (no time-zone library:
 * the bundle stays dependency-free, and Node ships the zone database with its full ICU).
 */
import { WEEKDAYS, type MaintenanceWindow } from './config';

export interface WindowState {
  readonly open: boolean;
  /** When the window next opens; set only while it is closed. */
  readonly nextOpen?: Date;
}

/** A moment as a clock on the wall of the window's time zone shows it. */
interface WallTime {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  /** 0 = Monday … 6 = Sunday, the order of WEEKDAYS. */
  readonly weekday: number;
  /** Minutes since local midnight. */
  readonly minutes: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

function wallParts(instant: number, timeZone: string): { year: number; month: number; day: number; hour: number; minute: number; second: number } {
  const parts: Record<string, number> = {};
  for (const p of formatter(timeZone).formatToParts(new Date(instant))) {
    if (p.type !== 'literal') parts[p.type] = Number(p.value);
  }
  return { year: parts.year!, month: parts.month!, day: parts.day!, hour: parts.hour!, minute: parts.minute!, second: parts.second! };
}

function wallTime(instant: number, timeZone: string): WallTime {
  const p = wallParts(instant, timeZone);
  // The weekday of a calendar date does not depend on the zone: compute it in UTC.
  const weekday = (new Date(Date.UTC(p.year, p.month - 1, p.day)).getUTCDay() + 6) % 7;
  return { year: p.year, month: p.month, day: p.day, weekday, minutes: p.hour * 60 + p.minute };
}

/** How far the zone's wall clock is ahead of UTC at an instant, in milliseconds. */
function offsetAt(instant: number, timeZone: string): number {
  const whole = Math.floor(instant / 1000) * 1000;
  const p = wallParts(whole, timeZone);
  return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - whole;
}

/** The instant a wall clock in the zone shows a date and time (the later guess wins in a DST overlap). */
function instantOf(year: number, month: number, day: number, minutes: number, timeZone: string): Date {
  const wall = Date.UTC(year, month - 1, day, 0, minutes);
  const first = wall - offsetAt(wall, timeZone);
  // A second pass corrects the guess when the offset changes between `wall` and the answer.
  return new Date(wall - offsetAt(first, timeZone));
}

export function parseClock(hhmm: string): number {
  const m = /^(\d{1,2}):(\d{2})$/.exec(hhmm);
  if (!m) throw new Error(`maintenance window: "${hhmm}" is not a time HH:MM`);
  return Number(m[1]) * 60 + Number(m[2]);
}

/**
 * Whether `now` lies in the window. The window opens at `start` on each of its days and closes
 * at `end`, the same day, or the next day when `end` is not after `start`.
 */
export function windowState(window: MaintenanceWindow, now: Date): WindowState {
  const start = parseClock(window.start);
  const end = parseClock(window.end);
  const days = new Set(window.days.map((d) => WEEKDAYS.indexOf(d)));
  const t = wallTime(now.getTime(), window.timeZone);
  const yesterday = (t.weekday + 6) % 7;
  const open =
    start < end
      ? days.has(t.weekday) && t.minutes >= start && t.minutes < end
      : (days.has(t.weekday) && t.minutes >= start) || (days.has(yesterday) && t.minutes < end);
  if (open) return { open };
  for (let ahead = 0; ahead <= 7; ahead++) {
    if (!days.has((t.weekday + ahead) % 7) || (ahead === 0 && t.minutes >= start)) continue;
    return { open, nextOpen: instantOf(t.year, t.month, t.day + ahead, start, window.timeZone) };
  }
  // Unreachable with at least one day; a window without days never opens.
  return { open };
}

/** `Mon, Tue 22:00–04:00 Europe/Berlin` */
export function describeWindow(window: MaintenanceWindow): string {
  return `${window.days.join(', ')} ${window.start}–${window.end} ${window.timeZone}`;
}

/** `2025-03-04 22:00 Europe/Berlin (2025-03-04T21:00:00Z)`: the local time a person plans by, and the instant. */
export function describeInstant(instant: Date, timeZone: string): string {
  const p = wallParts(instant.getTime(), timeZone);
  const two = (n: number) => String(n).padStart(2, '0');
  const utc = instant.toISOString().replace(/\.\d{3}Z$/, 'Z');
  return `${p.year}-${two(p.month)}-${two(p.day)} ${two(p.hour)}:${two(p.minute)} ${timeZone} (${utc})`;
}
