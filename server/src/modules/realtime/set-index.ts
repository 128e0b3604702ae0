/** A map from a key to a set of values, where empty sets disappear: the hub's sockets by user, session and clinic. */
export class SetIndex<K, V> {
  private readonly map = new Map<K, Set<V>>();
  add(key: K, value: V) {
    let set = this.map.get(key);
    if (!set) this.map.set(key, (set = new Set()));
    set.add(value);
  }
  delete(key: K, value: V) {
    const set = this.map.get(key);
    if (set?.delete(value) && set.size === 0) this.map.delete(key);
  }
  get(key: K): ReadonlySet<V> {
    return this.map.get(key) ?? new Set();
  }
  keys() {
    return this.map.keys();
  }
}
