/* strmap.h — a hash map from strings to ints, for the name lookups that must stay
 * O(1) however many isolates, threads or loop variables a scenario has.
 *
 * Keys are borrowed, not copied: they must outlive the map (the parser's keys point
 * into the scenario). Open addressing with linear probing, at most half full; each slot keeps its
 * key's hash, so a probe compares bytes only on a likely match. No deletion. */
#ifndef ISOREPLAY_STRMAP_H
#define ISOREPLAY_STRMAP_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct strmap_slot { const char *key; unsigned hash; int value; size_t klen; } strmap_slot;

typedef struct strmap {
  strmap_slot *slots;
  size_t cap, n;      /* cap: a power of two, or 0 */
} strmap;

/* Sets key (klen bytes) to value, adding it if new. Returns 0, or -1 when out of memory. */
int strmap_put(strmap *m, const char *key, size_t klen, int value);
/* The value of key in *value: returns 1 when found, 0 when not. */
int strmap_get(const strmap *m, const char *key, size_t klen, int *value);
void strmap_free(strmap *m);

#ifdef __cplusplus
}
#endif
#endif
