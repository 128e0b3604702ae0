/** A v4 UUID from the platform (browsers in secure contexts, Node ≥ 19, Bun). */
export const uuid = (): string => globalThis.crypto.randomUUID();
