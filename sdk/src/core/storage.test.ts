import { afterEach, describe, expect, test } from 'bun:test';
import type { AuthResult } from '../protocol/models';
import { patientMe } from '../testing/setup';
import { MedChat } from '../client';
import { localStorageTokens, memoryTokens } from './storage';

const auth = (ms: number): AuthResult => ({ token: 't', expiresAt: new Date(Date.now() + ms).toISOString(), user: patientMe });

function fakeLocalStorage(): Storage {
  const map = new Map<string, string>();
  return {
    get length() {
      return map.size;
    },
    clear: () => map.clear(),
    getItem: (k) => map.get(k) ?? null,
    key: (i) => [...map.keys()][i] ?? null,
    removeItem: (k) => void map.delete(k),
    setItem: (k, v) => void map.set(k, v),
  };
}

const original = Object.getOwnPropertyDescriptor(globalThis, 'localStorage');
afterEach(() => {
  if (original) Object.defineProperty(globalThis, 'localStorage', original);
  else delete (globalThis as { localStorage?: Storage }).localStorage;
});

describe('token storage', () => {
  test('memory keeps what it was given', () => {
    const s = memoryTokens();
    expect(s.get()).toBeNull();
    s.set(auth(1000));
    expect(s.get()?.token).toBe('t');
  });

  test('localStorage survives a "reload" (a new adapter on the same key) and clears on null', () => {
    Object.defineProperty(globalThis, 'localStorage', { value: fakeLocalStorage(), configurable: true });
    localStorageTokens('k').set(auth(60_000));
    expect(localStorageTokens('k').get()?.user.id).toBe(patientMe.id);
    expect(localStorageTokens('other').get()).toBeNull();
    localStorageTokens('k').set(null);
    expect(localStorageTokens('k').get()).toBeNull();
  });

  test('a token another tab removed stays removed (the memory copy does not bring it back)', () => {
    Object.defineProperty(globalThis, 'localStorage', { value: fakeLocalStorage(), configurable: true });
    const thisTab = localStorageTokens('k');
    thisTab.set(auth(60_000));
    localStorageTokens('k').set(null); // the other tab signed out
    expect(thisTab.get()).toBeNull();
  });

  test('the client treats an expired entry as signed out', () => {
    const storage = memoryTokens();
    storage.set(auth(-1));
    expect(new MedChat({ baseUrl: 'http://x.test', storage }).auth.user).toBeNull();
    storage.set(auth(60_000));
    expect(new MedChat({ baseUrl: 'http://x.test', storage }).auth.user?.id).toBe(patientMe.id);
  });

  test('without a usable localStorage it degrades to memory', () => {
    Object.defineProperty(globalThis, 'localStorage', {
      get() {
        throw new Error('SecurityError');
      },
      configurable: true,
    });
    const s = localStorageTokens('k');
    s.set(auth(60_000));
    expect(s.get()?.token).toBe('t');
  });
});
