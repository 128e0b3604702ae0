import { describe, expect, test } from 'bun:test';
import { linkify, safeHref } from './linkify';

const links = (text: string) => linkify(text).filter((s) => 'href' in s);

describe('linkify', () => {
  test('plain text is one segment, unchanged', () => {
    expect(linkify('hello <b>there</b>')).toEqual([{ text: 'hello <b>there</b>' }]);
    expect(linkify('')).toEqual([]);
  });

  test('http(s) URLs become links; surrounding text stays', () => {
    expect(linkify('see https://clinic.example/a?b=1 now')).toEqual([
      { text: 'see ' },
      { text: 'https://clinic.example/a?b=1', href: 'https://clinic.example/a?b=1' },
      { text: ' now' },
    ]);
  });

  test('trailing punctuation is not part of the link', () => {
    expect(links('Go to http://x.example/path.')).toEqual([{ text: 'http://x.example/path', href: 'http://x.example/path' }]);
    expect(links('https://en.wikipedia.org/wiki/Foo_(bar).')).toEqual([
      { text: 'https://en.wikipedia.org/wiki/Foo_(bar)', href: 'https://en.wikipedia.org/wiki/Foo_(bar)' },
    ]);
    expect(links('(https://x.example)')).toEqual([{ text: 'https://x.example', href: 'https://x.example/' }]);
  });

  test('www. gets https', () => {
    expect(links('www.clinic.example')).toEqual([{ text: 'www.clinic.example', href: 'https://www.clinic.example/' }]);
  });

  test('other schemes are never links', () => {
    for (const text of [
      'javascript:alert(1)',
      'JaVaScRiPt:alert(1)',
      'data:text/html,<script>alert(1)</script>',
      'vbscript:x',
      'file:///etc/passwd',
      'mailto:a@b.c',
    ]) {
      expect(links(text)).toEqual([]);
      expect(
        linkify(text)
          .map((s) => s.text)
          .join(''),
      ).toBe(text);
    }
  });

  test('text is preserved exactly, whatever it contains', () => {
    const text = 'a https://x.example/<img src=x onerror=alert(1)> b "https://y.example" c';
    expect(
      linkify(text)
        .map((s) => s.text)
        .join(''),
    ).toBe(text);
    for (const s of links(text)) expect(s.href.startsWith('https://')).toBe(true);
  });

  test('safeHref refuses non-http and malformed URLs', () => {
    expect(safeHref('https://a.example')).toBe('https://a.example/');
    expect(safeHref('javascript:alert(1)')).toBeNull();
    expect(safeHref('http://')).toBeNull();
  });
});
