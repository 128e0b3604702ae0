/** "14:05" in the reader's locale (falls back to ISO time when Intl rejects the tag). */
export function formatTime(iso: string, locale: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  try {
    return new Intl.DateTimeFormat(locale, { hour: 'numeric', minute: '2-digit' }).format(date);
  } catch {
    return date.toISOString().slice(11, 16);
  }
}

/** Whole minutes of an estimated wait, rounded up; 0 means "less than a minute". */
export const waitMinutes = (seconds: number) => (seconds < 60 ? 0 : Math.ceil(seconds / 60));
