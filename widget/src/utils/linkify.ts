/** A run of message text: plain, or a link that is safe to make clickable. */
export type Segment = { text: string } | { text: string; href: string };

// Candidate URLs start with a scheme we accept, or with `www.`; the rest of the run is anything but spaces and
// the characters that usually surround a link in prose.
const CANDIDATE = /\b(?:https?:\/\/|www\.)[^\s<>"']+/gi;
const TRAILING = '.,;:!?)]}\'"»”’';

/**
 * Splits message text into plain runs and links. Only http(s) URLs become links (`www.` gets https://);
 * `javascript:`, `data:` and every other scheme stay plain text. The result is rendered with Lit bindings,
 * so nothing here is ever parsed as HTML (linkify.test.ts).
 */
export function linkify(text: string): Segment[] {
  const segments: Segment[] = [];
  let last = 0;
  for (const match of text.matchAll(CANDIDATE)) {
    const raw = trimTrailing(match[0]);
    const href = safeHref(raw);
    if (!href) continue;
    const start = match.index;
    if (start > last) segments.push({ text: text.slice(last, start) });
    segments.push({ text: raw, href });
    last = start + raw.length;
  }
  if (last < text.length) segments.push({ text: text.slice(last) });
  return segments;
}

/** Drops sentence punctuation after a URL, but keeps a `)` that closes one inside it (…/wiki/Foo_(bar)). */
function trimTrailing(url: string): string {
  let end = url.length;
  while (end > 0 && TRAILING.includes(url[end - 1]!)) {
    if (url[end - 1] === ')') {
      const head = url.slice(0, end);
      if (head.split('(').length > head.split(')').length - 1) break;
    }
    end--;
  }
  return url.slice(0, end);
}

/** The normalized URL when it is http(s) with a host, else null. */
export function safeHref(candidate: string): string | null {
  const withScheme = /^www\./i.test(candidate) ? `https://${candidate}` : candidate;
  try {
    const url = new URL(withScheme);
    if ((url.protocol !== 'http:' && url.protocol !== 'https:') || !url.hostname) return null;
    return url.href;
  } catch {
    return null;
  }
}
