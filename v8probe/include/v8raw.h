/* v8raw.h — the same V8 calls v8probe makes, straight and unchecked, so benchmarks can
 * put the probe's cost beside raw V8 in one run. Needs v8p_init() first. C11. */
#ifndef ISOREPLAY_V8RAW_H
#define ISOREPLAY_V8RAW_H

#ifdef __cplusplus
extern "C" {
#endif

typedef struct v8raw_isolate v8raw_isolate;

/* Isolate::New with a default allocator; NULL on failure. */
v8raw_isolate *v8raw_new(void);
void v8raw_dispose(v8raw_isolate *iso);
/* n times Isolate::Enter then Isolate::Exit. */
void v8raw_enter_exit(v8raw_isolate *iso, long n);
/* n times: Isolate::New, Enter, HandleScope + Context::New kept in a Global, Exit,
 * Global reset, Dispose — what `new; enter; context; exit; dispose` does through the probe. */
void v8raw_new_context_dispose(long n);

/* What the 100-isolate benchmark scenario does, straight, on the calling thread:
 * for each of n isolates New, Enter, HandleScope + Context::New + compile + run js
 * (result converted to a string), Exit; then Dispose them in creation order. */
void v8raw_many_isolates(int n, const char *js);

#ifdef __cplusplus
}
#endif
#endif
