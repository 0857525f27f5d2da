// Feed dates come as RFC 822 (RSS), ISO 8601 / RFC 3339 (Atom, JSON Feed, dc:date) and a
// long tail of variants. Anything we cannot read exactly becomes null, never Invalid Date.

const MONTHS: Record<string, number> = {
  jan: 0, feb: 1, mar: 2, apr: 3, may: 4, jun: 5,
  jul: 6, aug: 7, sep: 8, oct: 9, nov: 10, dec: 11,
};

// Offsets in minutes for the zone names RFC 822 allows plus the few others that show up
// in the wild. Ambiguous abbreviations (IST, CST in Asia) take the RFC 822 / US reading.
const ZONES: Record<string, number> = {
  UT: 0, UTC: 0, GMT: 0, Z: 0, WET: 0,
  EST: -300, EDT: -240, CST: -360, CDT: -300,
  MST: -420, MDT: -360, PST: -480, PDT: -420,
  AKST: -540, AKDT: -480, HST: -600,
  BST: 60, CET: 60, CEST: 120, MET: 60, MEST: 120, EET: 120, EEST: 180,
  IST: 330, JST: 540, KST: 540, AEST: 600, AEDT: 660, NZST: 720, NZDT: 780,
};

const ISO = new RegExp(
  '^(\\d{4})[-/](\\d{1,2})[-/](\\d{1,2})' +
    '(?:[T\\s](\\d{1,2}):(\\d{2})(?::(\\d{2})(?:[.,](\\d+))?)?)?' +
    '\\s*(Z|[+-]\\d{2}:?\\d{2}|[+-]\\d{2}|[A-Za-z]{1,5})?$',
);

// [day-name,] d month yy[yy] [hh:mm[:ss]] [zone]; also "month d, yyyy" is handled below.
const RFC822 = new RegExp(
  '^(?:[A-Za-z]+(?:,\\s*|\\s+))?(\\d{1,2})[\\s-]+([A-Za-z]{3,})\\.?[\\s-]+(\\d{2,4})' +
    '(?:[\\sT,]+(\\d{1,2}):(\\d{2})(?::(\\d{2})(?:\\.\\d+)?)?)?' +
    '\\s*([+-]\\d{4}|[+-]\\d{2}:\\d{2}|[A-Za-z]{1,5})?(?:\\s*\\(.*\\))?$',
);

const US_STYLE = new RegExp(
  '^(?:[A-Za-z]+(?:,\\s*|\\s+))?([A-Za-z]{3,})\\.?\\s+(\\d{1,2}),?\\s+(\\d{4})' +
    '(?:[\\sT,]+(\\d{1,2}):(\\d{2})(?::(\\d{2}))?)?\\s*([+-]\\d{4}|[A-Za-z]{1,5})?$',
);

/** Parses a feed date; returns null for anything unreadable. */
export function parseFeedDate(raw: unknown): Date | null {
  if (typeof raw === 'number' && Number.isFinite(raw)) return valid(new Date(raw));
  if (typeof raw !== 'string') return null;
  const s = to24Hour(raw.trim().replace(/\s+/g, ' '));
  if (s === '') return null;

  const iso = ISO.exec(s);
  if (iso) {
    return build(iso[1], iso[2], iso[3], iso[4], iso[5], iso[6], iso[7], iso[8]);
  }
  const rfc = RFC822.exec(s);
  if (rfc) {
    const month = monthIndex(rfc[2]!);
    if (month === null) return null;
    return build(rfc[3], String(month + 1), rfc[1], rfc[4], rfc[5], rfc[6], undefined, rfc[7]);
  }
  const us = US_STYLE.exec(s);
  if (us) {
    const month = monthIndex(us[1]!);
    if (month === null) return null;
    return build(us[3], String(month + 1), us[2], us[4], us[5], us[6], undefined, us[7]);
  }
  return null;
}

/** "6:05 PM" → "18:05", so the zone position is not mistaken for "PM". */
function to24Hour(s: string): string {
  const clock = /\b(\d{1,2})(:\d{2}(?::\d{2})?)\s*([AaPp])\.?[Mm]\.?(?=\s|$)/;
  return s.replace(clock, (_m, h: string, rest: string, ap: string) => {
    const hour = (Number(h) % 12) + (ap.toLowerCase() === 'p' ? 12 : 0);
    return `${String(hour).padStart(2, '0')}${rest}`;
  });
}

function monthIndex(name: string): number | null {
  return MONTHS[name.slice(0, 3).toLowerCase()] ?? null;
}

function build(
  yearS: string | undefined,
  monthS: string | undefined,
  dayS: string | undefined,
  hourS: string | undefined,
  minuteS: string | undefined,
  secondS: string | undefined,
  fractionS: string | undefined,
  zoneS: string | undefined,
): Date | null {
  let year = Number(yearS);
  // Two-digit years (RFC 822 allows them): 00-49 are 20xx, 50-99 are 19xx.
  if (yearS?.length === 2) year += year < 50 ? 2000 : 1900;
  else if (yearS?.length === 3) return null;
  const month = Number(monthS) - 1;
  const day = Number(dayS);
  const hour = hourS === undefined ? 0 : Number(hourS);
  const minute = minuteS === undefined ? 0 : Number(minuteS);
  const second = secondS === undefined ? 0 : Number(secondS);
  const ms = fractionS === undefined ? 0 : Math.round(Number(`0.${fractionS}`) * 1000);
  if (month < 0 || month > 11 || day < 1 || day > 31) return null;
  if (hour > 24 || minute > 59 || second > 60) return null;

  const offset = zoneOffset(zoneS);
  const utc = Date.UTC(year, month, day, hour, minute, Math.min(second, 59), ms);
  const date = new Date(utc - offset * 60_000);
  // Reject rollovers such as 31 February instead of silently moving to March.
  if (new Date(Date.UTC(year, month, day)).getUTCDate() !== day) return null;
  return valid(date);
}

/** Minutes east of UTC; a missing or unknown zone is read as UTC. */
function zoneOffset(zone: string | undefined): number {
  if (zone === undefined || zone === '') return 0;
  const numeric = /^([+-])(\d{2}):?(\d{2})?$/.exec(zone);
  if (numeric) {
    const minutes = Number(numeric[2]) * 60 + Number(numeric[3] ?? 0);
    return numeric[1] === '-' ? -minutes : minutes;
  }
  const upper = zone.toUpperCase();
  if (upper in ZONES) return ZONES[upper]!;
  // Military letters and unknown names: the day is still right, so read them as UTC
  // rather than lose the date.
  return 0;
}

function valid(date: Date): Date | null {
  return Number.isNaN(date.getTime()) ? null : date;
}
