/* sanitizer.h — sanitizer reports in a replay: attributed to the step that was running
 * on the reporting thread, and parsed into findings for the report. */
#ifndef ISOREPLAY_SANITIZER_H
#define ISOREPLAY_SANITIZER_H

/* The step (1-based, 0: none) and isolate the calling thread is executing. */
void sanitizer_set_step(int step, const char *isolate);
/* Where the report hook writes `T <step> <isolate> <summary>` records (-1: nowhere). */
void sanitizer_set_fd(int fd);

typedef struct san_finding {
  char *tool;             /* "ThreadSanitizer", "AddressSanitizer", "LeakSanitizer", ... */
  char *kind;             /* "data race", "heap-use-after-free", "SEGV on unknown address", ... */
  char *summary;          /* the SUMMARY line without its "SUMMARY: " */
  char *frames;           /* the first frames of the first stack, one per line */
  char *text;             /* the whole report */
  int step;               /* 0 when it could not be attributed */
  char *isolate;          /* the isolate the step was using, or NULL */
} san_finding;

/* Splits sanitizer output (stderr or a log_path file) into findings. Returns how many
 * (*out is malloc'd; free with san_free), or -1 when out of memory. */
int san_parse(const char *text, san_finding **out);
void san_free(san_finding *f, int n);

#endif
