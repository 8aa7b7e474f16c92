/* rec_sink.c — the recorder's log, live report, names and address map (rec_sink.h). */
#define _GNU_SOURCE
#include "rec_sink.h"

#include <dlfcn.h>
#include <execinfo.h>
#include <fcntl.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "rec_log.h"
#include "strbuf.h"
#include "strmap.h"
#include "vec.h"

static int log_fd = -1, report_fd = -1;
static int with_frames;         /* rec_report adds the program's stack: the recorder is inside it */
static unsigned char *log_base;  /* the whole file, mapped shared */
static size_t log_cap;           /* records the mapping holds */
static int nisolates;
static strmap names;             /* thread names used so far -> how many times */

int rec_grow(void **pp, size_t *cap, size_t need, size_t size) { return vec_grow(pp, cap, need, size); }

static size_t slot_of(const rec_ptrmap *m, uintptr_t key) {
  size_t i = (size_t)((key >> 4) * 0x9E3779B97F4A7C15ull) & (m->cap - 1);
  while (m->keys[i] && m->keys[i] != key) i = (i + 1) & (m->cap - 1);
  return i;
}

int rec_ptrmap_get(const rec_ptrmap *m, const void *key, int *value) {
  if (!m->cap) return 0;
  size_t i = slot_of(m, (uintptr_t)key);
  if (!m->keys[i]) return 0;
  *value = m->values[i];
  return 1;
}

void rec_ptrmap_put(rec_ptrmap *m, const void *key, int value) {
  if (2 * (m->n + 1) > m->cap) {
    rec_ptrmap bigger = {calloc(m->cap ? 2 * m->cap : 64, sizeof(uintptr_t)), calloc(m->cap ? 2 * m->cap : 64, sizeof(int)),
                         m->cap ? 2 * m->cap : 64, 0};
    if (!bigger.keys || !bigger.values) {
      free(bigger.keys);
      free(bigger.values);
      return;  /* out of memory: the address stays unknown, a later call registers it again */
    }
    for (size_t i = 0; i < m->cap; i++)
      if (m->keys[i]) rec_ptrmap_put(&bigger, (const void *)m->keys[i], m->values[i]);
    free(m->keys);
    free(m->values);
    *m = bigger;
  }
  size_t i = slot_of(m, (uintptr_t)key);
  if (!m->keys[i]) m->n++;
  m->keys[i] = (uintptr_t)key;
  m->values[i] = value;
}

void rec_thread_name(const char *os, char *out, size_t n) {
  char base[24];
  size_t k = 0;
  if (!((*os >= 'A' && *os <= 'Z') || (*os >= 'a' && *os <= 'z') || *os == '_')) base[k++] = 't';
  for (const char *c = os; *c && k + 1 < sizeof base; c++) {
    int ok = (*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '_' || *c == '-';
    base[k++] = ok ? *c : '-';
  }
  base[k] = 0;
  int seen = 0;
  strmap_get(&names, base, k, &seen);
  char *key = strdup(base);  /* the map borrows its keys: kept for the process's life */
  if (key) strmap_put(&names, key, k, seen + 1);
  if (seen) snprintf(out, n, "%s-%d", base, seen + 1);
  else snprintf(out, n, "%s", base);
}

const char *rec_isolate_name(void) {
  static char name[16];
  rec_isolate_label(nisolates++, name);
  return name;
}

/* ---- the log -------------------------------------------------------------------------- */

static int log_map(size_t cap) {
  size_t bytes = REC_HEADER + cap * sizeof(rec_record);
  if (ftruncate(log_fd, (off_t)bytes)) return -1;
  void *p = log_base ? mremap(log_base, REC_HEADER + log_cap * sizeof(rec_record), bytes, MREMAP_MAYMOVE)
                     : mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, log_fd, 0);
  if (p == MAP_FAILED) return -1;
  log_base = p;
  log_cap = cap;
  return 0;
}

static void log_put(const rec_record *r) {
  if (!log_base) return;
  uint64_t n = *(uint64_t *)log_base;
  if (n >= log_cap && log_map(2 * log_cap)) {  /* log_map may move log_base */
    munmap(log_base, REC_HEADER + log_cap * sizeof(rec_record));
    log_base = NULL;  /* the file keeps what it has; the checker goes on */
    char text[160];
    snprintf(text, sizeof text, "the log could not grow past %llu records (disk full?): the scenario stops there, "
             "the live report goes on", (unsigned long long)n);
    rec_report_info("log-cut", text);
    return;
  }
  ((rec_record *)(log_base + REC_HEADER))[n] = *r;
  __atomic_store_n((uint64_t *)log_base, n + 1, __ATOMIC_RELEASE);
}

int rec_sink_open(const char *log_path, const char *report, int frames) {
  if (!log_path || !report) return -1;
  report_fd = atoi(report);
  with_frames = frames;
  log_fd = open(log_path, O_RDWR | O_CLOEXEC);
  if (log_fd < 0 || log_map(1 << 16)) return -1;
  return 0;
}

int rec_sink_report_only(const char *report) {
  if (!report) return -1;
  report_fd = atoi(report);
  return fcntl(report_fd, F_GETFD) < 0 ? -1 : 0;  /* the pipe may not have reached this process */
}

void rec_sink_close(int calls) {
  char line[64];
  int n = snprintf(line, sizeof line, "E\t%d\n", calls);
  if (write(report_fd, line, (size_t)n) < 0) return;
}

void rec_log_thread(const rec_thread *t) {
  rec_record r = {.kind = REC_THREAD, .thread = t->number, .tid = t->tid};
  snprintf(r.name, sizeof r.name, "%s", t->name);
  log_put(&r);
}

void rec_log_op(ck_op op, int thread, int isolate, int call, int seq) {
  rec_record r = {.kind = REC_OP, .op = (uint16_t)op, .thread = thread, .isolate = isolate, .arg = call, .seq = seq};
  log_put(&r);
}

void rec_log_run_done(int thread, int isolate) {
  rec_record r = {.kind = REC_RUN_DONE, .op = CK_RUN, .thread = thread, .isolate = isolate};
  log_put(&r);
}

void rec_log_exit(void) {
  rec_record r = {.kind = REC_EXIT};
  log_put(&r);
}

/* ---- the live report ---------------------------------------------------------------- */

/* A field of a report line: tabs and newlines become spaces. */
static void field(strbuf *b, const char *s) {
  for (; *s; s++) sb_add(b, *s == '\t' || *s == '\n' ? " " : s, 1);
}

void rec_report(const ck_violation *v, const rec_thread *t, int seq, const char *what, int at_exit) {
  rec_record r = {.kind = REC_CODE, .arg = (int)v->code, .seq = seq, .thread = t ? t->number : -1};
  log_put(&r);
  strbuf b = {0};
  sb_printf(&b, "V\t%s\t%s\t", at_exit ? "info" : ck_severity_name(v->severity), ck_code_name(v->code));
  field(&b, v->thread_name);
  sb_printf(&b, "\t%ld\t%s\t%d\t", t ? (long)t->tid : 0L, what, seq);
  field(&b, v->message);
  sb_puts(&b, "\t");
  void *frames[24];
  int n = at_exit || !with_frames ? 0 : backtrace(frames, 24);
  Dl_info self;
  int i = 0;
  if (n && dladdr(&report_fd, &self))  /* past the recorder's own frames */
    while (i < n) {
      Dl_info info;
      if (!dladdr(frames[i], &info) || info.dli_fbase != self.dli_fbase) break;
      i++;
    }
  for (; i < n; i++) {
    Dl_info info;
    if (!dladdr(frames[i], &info) || !info.dli_fname) sb_printf(&b, "%p", frames[i]);
    else if (info.dli_sname)
      sb_printf(&b, "%s+0x%lx (%s)", info.dli_sname, (unsigned long)((char *)frames[i] - (char *)info.dli_saddr),
                info.dli_fname);
    else  /* no symbol exported: the offset in the file, for addr2line -e FILE */
      sb_printf(&b, "%s+0x%lx", info.dli_fname, (unsigned long)((char *)frames[i] - (char *)info.dli_fbase));
    if (i + 1 < n) sb_puts(&b, "\x1f");
  }
  sb_puts(&b, "\n");
  char *line = sb_take(&b);
  if (line && write(report_fd, line, strlen(line)) < 0) {
    /* the command is gone: the log still holds the code */
  }
  free(line);
}

/* dl_iterate_phdr's first object is the executable: is addr inside one of its segments? */
static int in_first_object(struct dl_phdr_info *info, size_t size, void *addr) {
  (void)size;
  uintptr_t a = (uintptr_t)addr;
  for (int i = 0; i < info->dlpi_phnum; i++) {
    const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
    uintptr_t lo = info->dlpi_addr + ph->p_vaddr;
    if (ph->p_type == PT_LOAD && a >= lo && a < lo + ph->p_memsz) return 2;
  }
  return 1;  /* stop after the first object */
}

int rec_v8_in_executable(void *fn) { return fn && dl_iterate_phdr(in_first_object, fn) == 2; }

void rec_report_info(const char *kind, const char *text) {
  strbuf b = {0};
  sb_printf(&b, "I\t%s\t", kind);
  field(&b, text);
  sb_puts(&b, "\n");
  char *line = sb_take(&b);
  if (line && write(report_fd, line, strlen(line)) < 0) {
    /* the command is gone */
  }
  free(line);
}
