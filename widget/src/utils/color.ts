/** Relative luminance of a #rgb / #rrggbb colour (WCAG 2.x), or null when it is not one. */
export function luminance(hex: string): number | null {
  const m = /^#?([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(hex.trim());
  if (!m) return null;
  const digits = m[1]!.length === 3 ? [...m[1]!].map((c) => c + c).join('') : m[1]!;
  const [r, g, b] = [0, 2, 4].map((i) => {
    const c = parseInt(digits.slice(i, i + 2), 16) / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  }) as [number, number, number];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

export const contrast = (a: number, b: number) => (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);

const WHITE = '#ffffff';
const INK = '#111418';

/**
 * The clinic brand colour as `--medchat-color-primary` plus a text colour for it that keeps AA contrast (white or
 * near-black, whichever contrasts more). Null for anything that is not a plain hex colour, so a stray value from
 * the server can never inject CSS.
 */
export function brandTokens(brand: string | null | undefined): { primary: string; onPrimary: string } | null {
  if (!brand) return null;
  const l = luminance(brand);
  if (l === null) return null;
  const onPrimary = contrast(l, 1) >= contrast(l, luminance(INK)!) ? WHITE : INK;
  return { primary: brand.startsWith('#') ? brand : `#${brand}`, onPrimary };
}
