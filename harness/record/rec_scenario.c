/* rec_scenario.c — a recorded program's log as a scenario (rec_scenario.h). */
#define _GNU_SOURCE
#include "rec_scenario.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <fcntl.h>

#include "checker.h"
#include "scenario.h"
#include "strmap.h"
#include "rec_log.h"
#include "vec.h"

typedef struct log_view {
  const rec_record *r;
  size_t n;
  void *map;
  size_t map_len;
} log_view;

static int log_open(const char *path, log_view *v, iso_err *err) {
  memset(v, 0, sizeof *v);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  struct stat st;
  if (fd < 0 || fstat(fd, &st)) {
    if (fd >= 0) close(fd);
    return iso_fail(err, ISO_ERR_IO, "cannot read the recording %s: %s", path, strerror(errno));
  }
  if ((size_t)st.st_size < REC_HEADER) {
    close(fd);
    return 0;  /* the program made no V8 call the recorder saw */
  }
  v->map_len = (size_t)st.st_size;
  v->map = mmap(NULL, v->map_len, PROT_READ, MAP_PRIVATE, fd, 0);
  close(fd);
  if (v->map == MAP_FAILED) {
    v->map = NULL;
    return iso_fail(err, ISO_ERR_IO, "cannot map the recording %s: %s", path, strerror(errno));
  }
  uint64_t count = *(const uint64_t *)v->map;
  if (count > (v->map_len - REC_HEADER) / sizeof(rec_record))
    return iso_fail(err, ISO_ERR_INTERNAL, "the recording %s is cut short (%llu records announced)", path,
                    (unsigned long long)count);
  v->r = (const rec_record *)((const char *)v->map + REC_HEADER);
  v->n = (size_t)count;
  return 0;
}

/* Runs and their returns, matched per thread: block[i] is 1 for a run whose thread made
 * V8 calls before it returned (a host callback: written as a block), and opener[j] of
 * a REC_RUN_DONE is the index of its run. */
static int match_runs(const log_view *v, unsigned char *block, size_t *opener, iso_err *err) {
  size_t *open = NULL, nopen = 0, cap = 0;  /* open runs: record indexes, all threads */
  for (size_t i = 0; i < v->n; i++) {
    const rec_record *r = &v->r[i];
    if (r->kind == REC_OP) {
      for (size_t k = nopen; k-- > 0;)
        if (v->r[open[k]].thread == r->thread) {
          block[open[k]] = 1;
          break;
        }
      if (r->op == CK_RUN) {
        if (vec_grow(&open, &cap, nopen + 1, sizeof *open)) {
          free(open);
          return iso_fail(err, ISO_ERR_NOMEM, "out of memory reading the recording");
        }
        open[nopen++] = i;
      }
    } else if (r->kind == REC_RUN_DONE) {
      for (size_t k = nopen; k-- > 0;)
        if (v->r[open[k]].thread == r->thread) {
          opener[i] = open[k];
          memmove(&open[k], &open[k + 1], (nopen - k - 1) * sizeof *open);
          nopen--;
          break;
        }
    }
  }
  free(open);
  return 0;
}

static const char *call_note(int call) {
  switch (call) {
    case REC_CALL_NEW: return "v8::Isolate::New";
    case REC_CALL_ALLOCATE_INITIALIZE: return "v8::Isolate::Allocate + Initialize";
    case REC_CALL_UNSEEN: return "first seen here: its creation was not recorded";
    case REC_CALL_AT_EXIT: return "still running when the process exited";
    default: return NULL;
  }
}

/* The checker's codes, ordered by the call they belong to (an observation after a call
 * may be logged after other threads' calls). */
typedef struct code_at { int seq; int code; } code_at;

static int by_seq(const void *a, const void *b) {
  const code_at *x = a, *y = b;
  return x->seq != y->seq ? (x->seq > y->seq) - (x->seq < y->seq) : (a > b) - (a < b);
}

static code_at *collect_codes(const log_view *v, size_t *n) {
  code_at *c = malloc((v->n + 1) * sizeof *c);
  *n = 0;
  for (size_t i = 0; c && i < v->n; i++)
    if (v->r[i].kind == REC_CODE) c[(*n)++] = (code_at){v->r[i].seq, v->r[i].arg};
  if (c) qsort(c, *n, sizeof *c, by_seq);  /* equal seqs keep log order: by address */
  return c;
}

/* Appends "  ! a, b" for the codes of call seq; *k walks codes in seq order. */
static void add_codes(strbuf *out, const code_at *codes, size_t n, size_t *k, int seq, const char *lead) {
  while (*k < n && codes[*k].seq < seq) (*k)++;
  for (int first = 1; *k < n && codes[*k].seq == seq; (*k)++, first = 0)
    sb_printf(out, "%s%s", first ? lead : ", ", ck_code_name((ck_code)codes[*k].code));
}

/* The thread name of number t, from the REC_THREAD records (names[] by number). */
static const char *thread_of(const char **names, size_t nnames, int t) {
  return t >= 0 && (size_t)t < nnames && names[t] ? names[t] : "unknown";
}

static void write_op(strbuf *out, const log_view *v, size_t i, const char *thread, int block, const code_at *codes,
                     size_t ncodes, size_t *k) {
  const rec_record *r = &v->r[i];
  sb_printf(out, "%s: ", thread);
  char iso[16] = "";
  if (r->isolate > 0) rec_isolate_label(r->isolate - 1, iso);  /* checker ids count from 1 */
  switch (r->op) {
    case CK_THREAD_END: sb_puts(out, "end"); break;
    case CK_RUN: sb_printf(out, "run %s \"%s\"%s", iso, block ? "host()" : "0", block ? " {" : ""); break;
    case CK_PERSISTENT: sb_printf(out, "persistent H%d of %s", r->handle, iso); break;
    case CK_RESET: sb_printf(out, "reset H%d", r->handle); break;
    default: sb_printf(out, "%s %s", ck_op_name((ck_op)r->op), iso); break;
  }
  add_codes(out, codes, ncodes, k, r->seq, "  ! ");
  const char *note = call_note(r->arg);
  if (r->op == CK_RUN) note = "v8::Script::Run (the script itself is not recorded)";
  if (note) sb_printf(out, "   # %s", note);
}

/* The title: the command line, quotes and backslashes escaped, control characters out. */
static void write_header(strbuf *out, const char *command) {
  sb_puts(out, "title \"Recorded: ");
  for (const char *c = command; *c && c - command < 200; c++) {
    if (*c == '"' || *c == '\\') sb_printf(out, "\\%c", *c);
    else if ((unsigned char)*c >= 0x20) sb_add(out, c, 1);
  }
  char date[32];
  time_t now = time(NULL);
  strftime(date, sizeof date, "%Y-%m-%d %H:%M UTC", gmtime(&now));
  sb_printf(out, "\"\nsource \"isoreplay record, %s\"\nmodel v8\ntags recorded\n\n", date);
}

/* One line of the scenario's body before coalescing: a step, a `}` or a comment. */
typedef struct line {
  char *text;      /* without indentation or newline, malloc'd */
  int depth;       /* blocks it stands in */
  int steps;       /* steps it holds (1 for a step, 0 for `}` or a comment) */
  int repeatable;  /* may stand in a `repeat`: a plain step outside any block */
  int countable;   /* a terminate, cancel-terminate or interrupt that raised nothing: past
                      REC_MAX_SAME alike, counted instead of written */
} line;

typedef struct lines { line *v; size_t n, cap; int failed; } lines;

static void add_line(lines *ls, strbuf *b, int depth, int steps, int repeatable, int countable) {
  char *text = sb_take(b);
  if (!text || vec_grow(&ls->v, &ls->cap, ls->n + 1, sizeof *ls->v)) {
    free(text);
    ls->failed = 1;
    return;
  }
  ls->v[ls->n++] = (line){text, depth, steps, repeatable, countable && !strstr(text, "  ! ")};
}

/* The blocks open while the body is written: the record index of each opener, innermost
 * last (blocks nest as the scenario's lines do). */
typedef struct open_blocks { size_t *at; size_t n; } open_blocks;

/* Closes the open blocks down to and including position k: a `}` each. */
static void close_to(open_blocks *ob, size_t k, lines *ls) {
  while (ob->n > k) {
    strbuf b = {0};
    sb_puts(&b, "}");
    add_line(ls, &b, (int)--ob->n, 0, 0, 0);
  }
}

/* A thread ends, or the process exits, inside runs of its own that never returned (the
 * script's callbacks made calls, so each is a block): their blocks close before its
 * `end` (the scenario's thread cannot end inside its own callback), saying so. */
static void close_thread_blocks(open_blocks *ob, const log_view *v, int thread, lines *ls) {
  size_t k = ob->n;
  for (size_t j = ob->n; j-- > 0;)
    if (v->r[ob->at[j]].thread == thread) k = j;
  if (k == ob->n) return;
  strbuf b = {0};
  sb_puts(&b, "# the run above never returned: its thread ends inside it");
  add_line(ls, &b, (int)ob->n, 0, 0, 0);
  close_to(ob, k, ls);
}

/* The body, a line per step, `}` and comment, in the log's order (phase one). */
static void body_lines(const log_view *v, const unsigned char *block, const size_t *opener, const char **names,
                       const code_at *codes, size_t ncodes, size_t *k, rec_summary *sum, lines *ls, open_blocks *ob) {
  int exited = 0;
  for (size_t i = 0; i < v->n && !ls->failed; i++) {
    const rec_record *r = &v->r[i];
    strbuf b = {0};
    if (r->kind == REC_THREAD && (size_t)r->thread < v->n) {
      names[r->thread] = r->name;
      sum->threads++;
    } else if (r->kind == REC_OP) {
      sum->calls++;
      if (r->op == CK_NEW) sum->isolates++;
      if (r->op == CK_THREAD_END) close_thread_blocks(ob, v, r->thread, ls);
      if (r->op == CK_THREAD_END && r->arg == REC_CALL_AT_EXIT && !exited++) {
        sb_puts(&b, "# the process exits: what it left running or alive");
        add_line(ls, &b, (int)ob->n, 0, 0, 0);
      }
      write_op(&b, v, i, thread_of(names, v->n, r->thread), block[i], codes, ncodes, k);
      int plain = !ob->n && !block[i] && r->arg != REC_CALL_AT_EXIT;
      add_line(ls, &b, (int)ob->n, 1, plain,
               plain && (r->op == CK_TERMINATE || r->op == CK_CANCEL_TERMINATE || r->op == CK_INTERRUPT));
      if (block[i]) ob->at[ob->n++] = i;
    } else if (r->kind == REC_RUN_DONE && opener[i] != SIZE_MAX && block[opener[i]]) {
      for (size_t j = ob->n; j-- > 0;)  /* the host callback returns: the block's `}` (unless closed already) */
        if (ob->at[j] == opener[i]) {
          close_to(ob, j, ls);
          break;
        }
    }
  }
  if (ob->n) {  /* a crash, or a log cut short: the scenario stays well formed */
    strbuf b = {0};
    sb_puts(&b, "# runs that never returned: the recording ends inside them");
    add_line(ls, &b, (int)ob->n, 0, 0, 0);
    close_to(ob, 0, ls);
  }
}

/* How many times the k lines at i repeat back to back (1: not at all). */
static size_t repeats(const lines *ls, size_t i, size_t k) {
  for (size_t j = i; j < i + k; j++)
    if (!ls->v[j].repeatable) return 0;
  size_t m = 1;
  for (;; m++) {
    size_t at = i + m * k;
    if (at + k > ls->n) break;
    size_t j = 0;
    while (j < k && ls->v[at + j].repeatable && !strcmp(ls->v[at + j].text, ls->v[i + j].text)) j++;
    if (j < k) break;
  }
  return m;
}

#define REC_MAX_PATTERN 16                       /* steps in a repeated pattern */
#define REC_MAX_BYTES (3L << 20)                 /* the file stays under the parser's 4 MiB */
#define REC_MAX_EXPANDED (SCN_MAX_STEPS - 1000)  /* the replay expands `repeat` */

static void put_line(strbuf *out, const line *l, int extra_indent) {
  for (int d = 0; d < l->depth + extra_indent; d++) sb_puts(out, "  ");
  sb_printf(out, "%s\n", l->text);
}

#define REC_MAX_SAME 1000  /* a countable step written at most this often, outside `repeat` */

/* The body, with back-to-back repetitions of up to REC_MAX_PATTERN steps written as
 * `repeat`, a countable step past REC_MAX_SAME alike counted instead, within the caps
 * (phase two). */
static void emit(strbuf *out, const lines *ls, rec_summary *sum) {
  long expanded = 0;
  strmap seen = {0};  /* countable line -> how often written, then counted (+REC_MAX_SAME) */
  for (size_t i = 0; i < ls->n;) {
    size_t best_k = 1, best_m = 1;
    for (size_t k = 1; k <= REC_MAX_PATTERN && i + k <= ls->n; k++) {
      size_t m = repeats(ls, i, k);
      if (!m) break;
      if (m >= 2 && k * m > best_k * best_m) best_k = k, best_m = m;
    }
    const line *l = &ls->v[i];
    int times = 0;
    if (best_m == 1 && l->countable) {
      strmap_get(&seen, l->text, strlen(l->text), &times);
      strmap_put(&seen, l->text, strlen(l->text), times + 1);
      if (times >= REC_MAX_SAME) {
        sum->counted++;
        i++;
        continue;
      }
    }
    long steps = 0;
    for (size_t j = i; j < i + best_k; j++) steps += ls->v[j].steps;
    steps *= (long)best_m;
    if (expanded + steps > REC_MAX_EXPANDED || (long)out->len > REC_MAX_BYTES) {
      for (size_t j = i; j < ls->n; j++) sum->cut += ls->v[j].steps;
      break;
    }
    if (best_m >= 2) {
      sb_printf(out, "repeat %zu as r   # %zu times back to back\n", best_m, best_m);
      for (size_t j = i; j < i + best_k; j++) put_line(out, &ls->v[j], 1);
      sb_puts(out, "done\n");
    } else {
      put_line(out, l, 0);
    }
    expanded += steps;
    sum->written += steps;
    i += best_k * best_m;
  }
  for (size_t k = 0; k < seen.cap; k++)  /* the counted ones, said once each */
    if (seen.slots[k].key && seen.slots[k].value > REC_MAX_SAME)
      sb_printf(out, "# counted, not written: %d more of `%.*s` after its first %d\n", seen.slots[k].value - REC_MAX_SAME,
                (int)seen.slots[k].klen, seen.slots[k].key, REC_MAX_SAME);
  strmap_free(&seen);
}

int rec_scenario_write(const char *log_path, const char *command, strbuf *out, rec_summary *sum, iso_err *err) {
  memset(sum, 0, sizeof *sum);
  log_view v;
  if (log_open(log_path, &v, err)) return -1;
  unsigned char *block = calloc(v.n + 1, 1);
  const char **names = calloc(v.n + 1, sizeof *names);
  size_t *opener = malloc((v.n + 1) * sizeof *opener);
  for (size_t i = 0; opener && i <= v.n; i++) opener[i] = SIZE_MAX;
  size_t ncodes = 0, k = 0;
  code_at *codes = collect_codes(&v, &ncodes);
  lines ls = {0};
  int rc = block && names && opener && codes ? match_runs(&v, block, opener, err) : iso_fail(err, ISO_ERR_NOMEM, "out of memory");
  if (!rc) {
    open_blocks ob = {malloc((v.n + 1) * sizeof *ob.at), 0};
    if (!ob.at) ls.failed = 1;
    else body_lines(&v, block, opener, names, codes, ncodes, &k, sum, &ls, &ob);
    free(ob.at);
    write_header(out, command);
    emit(out, &ls, sum);
    if (!sum->cut) {
      size_t at_end = out->len;
      add_codes(out, codes, ncodes, &k, (int)sum->calls + 1, "! ");
      if (out->len > at_end) sb_puts(out, "   # what the process left at its exit\n");
    } else {
      sb_printf(out, "# %ld more calls not written (a scenario holds at most %ld steps and %ld MiB): "
                     "this scenario stops early, its end differs from the program's\n",
                sum->cut, (long)REC_MAX_EXPANDED, REC_MAX_BYTES >> 20);
    }
    if (out->failed || ls.failed) rc = iso_fail(err, ISO_ERR_NOMEM, "out of memory writing the scenario");
  }
  for (size_t i = 0; i < ls.n; i++) free(ls.v[i].text);
  free(ls.v);
  free(block);
  free(names);
  free(opener);
  free(codes);
  if (v.map) munmap(v.map, v.map_len);
  return rc;
}

int rec_scenario_count(const char *log_path, rec_summary *sum, iso_err *err) {
  memset(sum, 0, sizeof *sum);
  log_view v;
  if (log_open(log_path, &v, err)) return -1;
  for (size_t i = 0; i < v.n; i++) {
    sum->threads += v.r[i].kind == REC_THREAD;
    sum->calls += v.r[i].kind == REC_OP;
    sum->isolates += v.r[i].kind == REC_OP && v.r[i].op == CK_NEW;
  }
  if (v.map) munmap(v.map, v.map_len);
  return 0;
}
