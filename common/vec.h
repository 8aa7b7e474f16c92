/* vec.h — the one growable array of isoreplay's C code.
 *
 *   span *v = NULL; size_t n = 0, cap = 0;
 *   if (vec_grow(&v, &cap, n + 1, sizeof *v)) return -1;   // out of memory
 *   v[n++] = x;
 *
 * Capacity doubles, so appending n elements costs O(n) in all. */
#ifndef ISOREPLAY_VEC_H
#define ISOREPLAY_VEC_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Makes the array at *(void **)pp, of *cap elements of `size` bytes, hold at least `need`
 * elements; new elements are zero-filled. Returns 0, or -1 when out of memory or when
 * the size would overflow (the array and *cap are then unchanged). */
int vec_grow(void *pp, size_t *cap, size_t need, size_t size);

#ifdef __cplusplus
}
#endif
#endif
