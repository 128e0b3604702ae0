import { describe, expect, test } from 'bun:test';
import { brandTokens, contrast, luminance } from './color';

describe('brand colour', () => {
  test('luminance of black and white', () => {
    expect(luminance('#000')).toBe(0);
    expect(luminance('#ffffff')).toBeCloseTo(1);
    expect(luminance('red; background: url(x)')).toBeNull();
  });

  test('picks the text colour with AA contrast', () => {
    for (const brand of ['#0b5cad', '#ffcc00', '#00a3a3', '#6b21a8', '#f1f5f9', '#222']) {
      const t = brandTokens(brand)!;
      expect(contrast(luminance(t.primary)!, luminance(t.onPrimary)!)).toBeGreaterThanOrEqual(4.5);
    }
    expect(brandTokens('#ffcc00')!.onPrimary).toBe('#111418');
    expect(brandTokens('#0b5cad')!.onPrimary).toBe('#ffffff');
  });

  test('refuses anything but a hex colour', () => {
    expect(brandTokens(null)).toBeNull();
    expect(brandTokens('blue')).toBeNull();
    expect(brandTokens('#fff;}</style>')).toBeNull();
  });
});
