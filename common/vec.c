/* vec.c — the growable array behind vec.h. */
#include "vec.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int vec_grow(void *pp, size_t *cap, size_t need, size_t size) {
  if (need <= *cap) return 0;
  size_t n = *cap ? *cap : 8;
  while (n < need) {
    if (n > SIZE_MAX / 2) return -1;
    n *= 2;
  }
  if (size && n > SIZE_MAX / size) return -1;
  void **p = pp;
  char *q = realloc(*p, n * size);
  if (!q) return -1;
  memset(q + *cap * size, 0, (n - *cap) * size);
  *p = q;
  *cap = n;
  return 0;
}
