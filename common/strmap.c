/* strmap.c — the string-to-int hash map behind strmap.h (FNV-1a, linear probing). */
#include "strmap.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static unsigned hash(const char *s, size_t n) {
  uint64_t h = 1469598103934665603ull;
  for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
  return (unsigned)(h ^ (h >> 32));
}

static strmap_slot *find(const strmap *m, const char *key, size_t klen, unsigned h) {
  size_t mask = m->cap - 1;
  for (size_t i = h & mask;; i = (i + 1) & mask) {
    strmap_slot *s = &m->slots[i];
    if (!s->key || (s->hash == h && s->klen == klen && !memcmp(s->key, key, klen))) return s;
  }
}

static int rehash(strmap *m, size_t cap) {
  strmap old = *m;
  m->slots = calloc(cap, sizeof *m->slots);
  if (!m->slots) {
    *m = old;
    return -1;
  }
  m->cap = cap;
  for (size_t i = 0; i < old.cap; i++)
    if (old.slots[i].key) *find(m, old.slots[i].key, old.slots[i].klen, old.slots[i].hash) = old.slots[i];
  free(old.slots);
  return 0;
}

int strmap_put(strmap *m, const char *key, size_t klen, int value) {
  if ((m->n + 1) * 2 > m->cap && rehash(m, m->cap ? m->cap * 2 : 16)) return -1;
  unsigned h = hash(key, klen);
  strmap_slot *s = find(m, key, klen, h);
  if (!s->key) m->n++;
  *s = (strmap_slot){key, h, value, klen};
  return 0;
}

int strmap_get(const strmap *m, const char *key, size_t klen, int *value) {
  if (!m->cap) return 0;
  const strmap_slot *s = find(m, key, klen, hash(key, klen));
  if (!s->key) return 0;
  *value = s->value;
  return 1;
}

void strmap_free(strmap *m) {
  free(m->slots);
  *m = (strmap){0};
}
