// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.vsock;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A map from long keys to values with open addressing, so that looking up a connection for
 * every packet boxes nothing. Not thread-safe. Keys must not be {@link Long#MIN_VALUE}.
 */
final class LongMap<V> {
  private static final long FREE = Long.MIN_VALUE;
  private long[] keys;
  private Object[] values;
  private int size;

  LongMap() {
    keys = new long[32];
    values = new Object[32];
    Arrays.fill(keys, FREE);
  }

  int size() {
    return size;
  }

  private static int hash(long key, int mask) {
    long h = key * 0x9E3779B97F4A7C15L;
    return (int) (h ^ (h >>> 32)) & mask;
  }

  @SuppressWarnings("unchecked")
  V get(long key) {
    int mask = keys.length - 1;
    for (int i = hash(key, mask); ; i = (i + 1) & mask) {
      if (keys[i] == key) {
        return (V) values[i];
      }
      if (keys[i] == FREE) {
        return null;
      }
    }
  }

  void put(long key, V value) {
    if ((size + 1) * 2 > keys.length) {
      grow();
    }
    int mask = keys.length - 1;
    int i = hash(key, mask);
    while (keys[i] != FREE && keys[i] != key) {
      i = (i + 1) & mask;
    }
    if (keys[i] == FREE) {
      size++;
    }
    keys[i] = key;
    values[i] = value;
  }

  @SuppressWarnings("unchecked")
  V remove(long key) {
    int mask = keys.length - 1;
    int i = hash(key, mask);
    while (keys[i] != key) {
      if (keys[i] == FREE) {
        return null;
      }
      i = (i + 1) & mask;
    }
    V old = (V) values[i];
    keys[i] = FREE;
    values[i] = null;
    size--;
    // Re-insert the rest of the cluster so that lookups past the hole still find their keys.
    for (int j = (i + 1) & mask; keys[j] != FREE; j = (j + 1) & mask) {
      long k = keys[j];
      Object v = values[j];
      keys[j] = FREE;
      values[j] = null;
      size--;
      put(k, (V) v);
    }
    return old;
  }

  @SuppressWarnings("unchecked")
  List<V> values() {
    List<V> out = new ArrayList<>(size);
    for (int i = 0; i < keys.length; i++) {
      if (keys[i] != FREE) {
        out.add((V) values[i]);
      }
    }
    return out;
  }

  void clear() {
    Arrays.fill(keys, FREE);
    Arrays.fill(values, null);
    size = 0;
  }

  private void grow() {
    long[] oldKeys = keys;
    Object[] oldValues = values;
    keys = new long[oldKeys.length * 2];
    values = new Object[oldKeys.length * 2];
    Arrays.fill(keys, FREE);
    size = 0;
    for (int i = 0; i < oldKeys.length; i++) {
      if (oldKeys[i] != FREE) {
        @SuppressWarnings("unchecked")
        V v = (V) oldValues[i];
        put(oldKeys[i], v);
      }
    }
  }
}
