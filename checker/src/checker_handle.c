/* checker_handle.c — v8::Global and v8::Persistent handles: where they may be opened,
 * what a use after their isolate's dispose is, weak handles collected by a gc, and
 * globals whose destructor would run after the isolate is gone. */
#include <stdio.h>

#include "checker_state.h"

static const char *kind_of(const chandle *h) { return h->persistent ? "persistent" : "global"; }

/* "T1 disposed it at line 12" for the isolate's dispose, into buf. */
static const char *disposed_by(const ck_checker *ck, const ciso *x, char *buf, size_t n) {
  char where[48];
  snprintf(buf, n, "%s disposed it%s", ck_serial_name(ck, x->disposer), ck_where(x->dispose_line, x->dispose_step, where, sizeof where));
  return buf;
}

int ck_handle_after_dispose(ck_checker *ck, const ck_event *ev, ciso *x) {
  if (!valid_handle(ck, ev->object)) return 0;
  chandle *h = &ck->handles[ev->object];
  if (ev->op == CK_GLOBAL || ev->op == CK_PERSISTENT) h->state = HANDLE_RESET;  /* never made */
  if (ev->op != CK_OPEN && ev->op != CK_RESET) return 0;  /* a use: use-after-dispose */
  h->state = HANDLE_RESET;  /* it counts as reset: its destructor has nothing left to do */
  if (ev->op == CK_RESET && ck->model == CK_MODEL_RUSTY_V8) return 1;  /* the crate checks the isolate is alive */
  char by[160];
  ck_flag(ck, CK_GLOBAL_AFTER_DISPOSE, ev, ev->isolate,
          "%s %s %s %s of %s after %s (not executed: a use-after-free in V8's global handle storage)",
          slot(ck, ev->thread)->name, ev->op == CK_OPEN ? "opens" : "resets", kind_of(h), h->name, x->name,
          disposed_by(ck, x, by, sizeof by));
  return 1;
}

void ck_on_handle(ck_checker *ck, const ck_event *ev, ciso *x) {
  if (!valid_handle(ck, ev->object)) return;
  chandle *h = &ck->handles[ev->object];
  int t = ev->thread, top = ck_ideal_current(ck, t);
  switch (ev->op) {
    case CK_GLOBAL: case CK_PERSISTENT:
      if (top != ev->isolate)
        ck_flag(ck, CK_NOT_ENTERED, ev, ev->isolate, "%s creates %s %s in %s, but the current isolate of %s is %s",
                slot(ck, t)->name, kind_of(h), h->name, x->name, slot(ck, t)->name, ck_isolate_name(ck, top));
      h->state = HANDLE_LIVE;
      break;
    case CK_OPEN:
      if (top == CK_NONE)
        ck_flag(ck, CK_NOT_ENTERED, ev, ev->isolate, "%s opens %s %s of %s with no isolate current on %s",
                slot(ck, t)->name, kind_of(h), h->name, x->name, slot(ck, t)->name);
      else if (top != ev->isolate)
        ck_flag(ck, CK_CROSS_ISOLATE, ev, ev->isolate,
                "%s opens %s %s of %s while %s is its current isolate: the handle is made in %s's handle scope "
                "but points into %s's heap", slot(ck, t)->name, kind_of(h), h->name, x->name,
                ck_isolate_name(ck, top), ck_isolate_name(ck, top), x->name);
      break;
    case CK_RESET: h->state = HANDLE_RESET; break;
    case CK_WEAK: if (h->state == HANDLE_LIVE) h->state = HANDLE_WEAK; break;
    default: break;
  }
}

void ck_gc_collects(ck_checker *ck, const ck_event *ev) {
  int n = 0;
  for (size_t i = 1; i < ck->nhandles; i++) {
    chandle *h = &ck->handles[i];
    if (h->iso != ev->isolate || h->state != HANDLE_WEAK) continue;
    h->state = HANDLE_RESET;  /* the first-pass callback resets it */
    n++;
  }
  slot(ck, ev->thread)->gc_collected = n;
}

void ck_leaked_globals(ck_checker *ck, int step) {
  if (ck->model == CK_MODEL_RUSTY_V8) return;  /* a rusty_v8 Global checks its isolate on drop */
  for (size_t i = 1; i < ck->nhandles; i++) {
    chandle *h = &ck->handles[i];
    if (h->persistent || h->state == HANDLE_RESET || !valid_iso(ck, h->iso)) continue;
    const ciso *x = &ck->isos[h->iso];
    if (x->state != ISO_DISPOSED) continue;
    char by[160];
    ck_event ev = {CK_RESET, -1, -1, h->iso, step, (int)i, 0, 0};
    ck_flag(ck, CK_LEAKED_GLOBAL, &ev, h->iso,
            "global %s of %s is never reset, but %s first: its destructor would Reset it in freed handle "
            "storage", h->name, x->name, disposed_by(ck, x, by, sizeof by));
  }
}
