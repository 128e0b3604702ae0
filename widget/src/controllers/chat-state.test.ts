import { describe, expect, test } from 'bun:test';
import { connectionBanner, viewFor, type ViewInput } from './chat-state';

const base: ViewInput = { isReady: true, isUnavailable: false, session: null, hasTranscript: false };

describe('view state', () => {
  test('loading until ready; unavailable wins', () => {
    expect(viewFor({ ...base, isReady: false })).toBe('loading');
    expect(viewFor({ ...base, isReady: false, isUnavailable: true })).toBe('unavailable');
    expect(viewFor({ ...base, isUnavailable: true, session: { status: 'active' } })).toBe('unavailable');
  });

  test('no session: pre-chat form; with a transcript still shown: ended', () => {
    expect(viewFor(base)).toBe('prechat');
    expect(viewFor({ ...base, hasTranscript: true })).toBe('ended');
  });

  test('closed by the clinic’s hours: the after-hours notice instead of the form; an open chat or a transcript stays', () => {
    expect(viewFor({ ...base, isClosed: true })).toBe('closed');
    expect(viewFor({ ...base, isClosed: true, session: { status: 'waiting' } })).toBe('waiting');
    expect(viewFor({ ...base, isClosed: true, hasTranscript: true })).toBe('ended');
    expect(viewFor({ ...base, isClosed: true, isReady: false })).toBe('loading');
  });

  test('follows the session status through its life', () => {
    const steps = (['waiting', 'active', 'waiting', 'active', 'ended'] as const).map((status) => viewFor({ ...base, session: { status } }));
    expect(steps).toEqual(['waiting', 'chat', 'waiting', 'chat', 'ended']);
  });

  test('a chat waiting on its patient (idle) shows the chat, so the returning patient can write; then the queue', () => {
    const steps = (['active', 'idle', 'waiting', 'active'] as const).map((status) => viewFor({ ...base, session: { status } }));
    expect(steps).toEqual(['chat', 'chat', 'waiting', 'chat']);
  });

  test('connection banner', () => {
    expect(connectionBanner('open', true, true)).toBeNull();
    expect(connectionBanner('open', false, false)).toBe('offline');
    expect(connectionBanner('reconnecting', true, true)).toBe('reconnecting');
    expect(connectionBanner('reconnecting', true, false)).toBeNull();
    expect(connectionBanner('connecting', true, true)).toBeNull();
  });
});
