/* rec_sink.c — the recorder's log, live report, names and address map (rec_sink.h). */
#define _GNU_SOURCE
#include "rec_sink.h"

#include <elf.h>
#include <fcntl.h>
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
static pid_t program;            /* the recorded process, whose call sites are named */
static uint64_t caller;           /* the call site of the call being fed */
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

int rec_sink_open(const char *log_path, const char *report, pid_t pid) {
  if (!log_path || !report) return -1;
  report_fd = atoi(report);
  program = pid;
  log_fd = open(log_path, O_RDWR | O_CLOEXEC);
  if (log_fd < 0 || log_map(1 << 16)) return -1;
  return 0;
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

void rec_log_op(ck_op op, int thread, int isolate, int handle, int call, int seq) {
  rec_record r = {.kind = REC_OP, .op = (uint16_t)op, .thread = thread, .isolate = isolate, .arg = call, .seq = seq,
                  .handle = handle};
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

void rec_sink_caller(uint64_t address) { caller = address; }

/* The ELF type of a file: ET_EXEC (addresses are absolute) or ET_DYN (relative to where it
 * is loaded), 0 if unreadable. */
static int elf_type(const char *path) {
  unsigned char h[18] = {0};
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  ssize_t n = read(fd, h, sizeof h);
  close(fd);
  return n == (ssize_t)sizeof h && !memcmp(h, ELFMAG, SELFMAG) ? h[16] | h[17] << 8 : 0;
}

/* The program's /proc/PID/maps, as last read: at its first call, and again when an
 * address is not in it (a library loaded since), while the program lives: calls are fed
 * a little after they are made, and the last ones after the program is gone. */
static strbuf maps;

void rec_sink_refresh_maps(void) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%ld/maps", (long)program);
  FILE *f = program ? fopen(path, "re") : NULL;
  if (!f) return;
  strbuf fresh = {0};
  char buf[8192];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, f)) > 0) sb_add(&fresh, buf, n);
  fclose(f);
  if (!fresh.p) return;
  sb_free(&maps);
  maps = fresh;
}

/* The mapping of maps holding address: its file into file, and where that file is loaded
 * (its first mapping's start) into base. 0, or -1 when none holds it. */
static int find_mapping(uint64_t address, char *file, size_t n, unsigned long long *base) {
  for (const char *line = maps.p; line && *line;) {
    const char *end = strchr(line, '\n');
    unsigned long long lo, hi, off;
    char name[4096] = "";
    if (sscanf(line, "%llx-%llx %*s %llx %*s %*s %4095[^\n]", &lo, &hi, &off, name) >= 3 && name[0] == '/') {
      if (off == 0) *base = lo;
      if (address >= lo && address < hi) {
        snprintf(file, n, "%s", name);
        return 0;
      }
    }
    line = end ? end + 1 : NULL;
  }
  return -1;
}

/* The call site as FILE+0xADDRESS, the address addr2line -e FILE takes. */
static void call_site(strbuf *b) {
  char file[4096];
  unsigned long long base = 0;
  if (find_mapping(caller, file, sizeof file, &base)) {
    rec_sink_refresh_maps();
    if (find_mapping(caller, file, sizeof file, &base)) {
      sb_printf(b, "0x%llx", (unsigned long long)caller);
      return;
    }
  }
  sb_printf(b, "%s+0x%llx", file, (unsigned long long)(caller - (elf_type(file) == ET_EXEC ? 0 : base)));
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
  if (!at_exit && caller) call_site(&b);
  sb_puts(&b, "\n");
  char *line = sb_take(&b);
  if (line && write(report_fd, line, strlen(line)) < 0) {
    /* the command is gone: the log still holds the code */
  }
  free(line);
}

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
