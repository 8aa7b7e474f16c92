/* v8_symbols.c — the V8 symbols of an executable (v8_symbols.h), read with libelf. */
#define _GNU_SOURCE
#include "v8_symbols.h"

#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vec.h"

/* The file offset of virtual address addr: where the PT_LOAD segment holding it lies. */
static int file_offset(Elf *elf, size_t nph, GElf_Addr addr, unsigned long *out) {
  for (size_t i = 0; i < nph; i++) {
    GElf_Phdr ph;
    if (!gelf_getphdr(elf, (int)i, &ph) || ph.p_type != PT_LOAD) continue;
    if (addr >= ph.p_vaddr && addr < ph.p_vaddr + ph.p_filesz) {
      *out = (unsigned long)(addr - ph.p_vaddr + ph.p_offset);
      return 0;
    }
  }
  return -1;
}

static int add(v8_symbols *s, const char *name, unsigned long offset) {
  if (vec_grow((void **)&s->defined, &s->cap, s->ndefined + 1, sizeof *s->defined)) return -1;
  char *copy = strdup(name);
  if (!copy) return -1;
  s->defined[s->ndefined++] = (v8_symbol){copy, offset};
  return 0;
}

/* The symbols of one SHT_DYNSYM section. */
static int read_dynsym(Elf *elf, Elf_Scn *scn, const GElf_Shdr *sh, size_t nph, v8_symbols *s) {
  Elf_Data *data = elf_getdata(scn, NULL);
  if (!data || !sh->sh_entsize) return -1;
  size_t n = sh->sh_size / sh->sh_entsize;
  for (size_t i = 0; i < n; i++) {
    GElf_Sym sym;
    if (!gelf_getsym(data, (int)i, &sym)) return -1;
    const char *name = elf_strptr(elf, sh->sh_link, sym.st_name);
    if (!name || strncmp(name, "_ZN2v8", 6) || GELF_ST_TYPE(sym.st_info) != STT_FUNC) continue;
    if (sym.st_shndx == SHN_UNDEF) {
      s->imports_v8 = 1;
      continue;
    }
    unsigned long off;
    if (!file_offset(elf, nph, sym.st_value, &off) && add(s, name, off)) return -1;
  }
  return 0;
}

int v8_symbols_read(const char *path, v8_symbols *out, iso_err *err) {
  memset(out, 0, sizeof *out);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return iso_fail(err, ISO_ERR_IO, "cannot read %s: %s", path, strerror(errno));
  char magic[4] = {0};
  if (pread(fd, magic, 4, 0) != 4 || memcmp(magic, ELFMAG, SELFMAG)) {
    close(fd);
    return 1;
  }
  elf_version(EV_CURRENT);
  Elf *elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
  size_t nph = 0;
  int bad = !elf || elf_getphdrnum(elf, &nph);
  for (Elf_Scn *scn = NULL; !bad && (scn = elf_nextscn(elf, scn));) {
    GElf_Shdr sh;
    if (gelf_getshdr(scn, &sh) && sh.sh_type == SHT_DYNSYM) bad = read_dynsym(elf, scn, &sh, nph, out);
  }
  if (bad) iso_fail(err, ISO_ERR_IO, "cannot read the symbols of %s: %s", path, elf_errmsg(-1));
  elf_end(elf);
  close(fd);
  if (bad) v8_symbols_free(out);
  return bad ? -1 : 0;
}

const v8_symbol *v8_symbols_find(const v8_symbols *s, const char *name, int prefix) {
  size_t len = strlen(name);
  for (size_t i = 0; i < s->ndefined; i++)
    if (prefix ? !strncmp(s->defined[i].name, name, len) : !strcmp(s->defined[i].name, name)) return &s->defined[i];
  return NULL;
}

void v8_symbols_free(v8_symbols *s) {
  for (size_t i = 0; i < s->ndefined; i++) free(s->defined[i].name);
  free(s->defined);
  memset(s, 0, sizeof *s);
}

/* name looked up in PATH as execvp does (a name with a slash is itself). */
static int in_path(const char *name, char *out, size_t n) {
  if (strchr(name, '/')) return realpath(name, out) && strlen(out) < n ? 0 : -1;
  const char *path = getenv("PATH");
  for (const char *p = path ? path : "/usr/local/bin:/usr/bin:/bin"; *p;) {
    const char *colon = strchrnul(p, ':');
    char cand[PATH_MAX];
    snprintf(cand, sizeof cand, "%.*s/%s", (int)(colon - p), colon == p ? "." : p, name);
    char real[PATH_MAX];
    if (!access(cand, X_OK) && realpath(cand, real) && strlen(real) < n) {
      strcpy(out, real);
      return 0;
    }
    p = *colon ? colon + 1 : colon;
  }
  return -1;
}

int v8_program_binary(const char *argv0, char *out, size_t n) {
  if (in_path(argv0, out, n)) return -1;
  FILE *f = fopen(out, "re");
  if (!f) return 0;
  char line[PATH_MAX + 64] = {0};
  int script = fgets(line, sizeof line, f) && line[0] == '#' && line[1] == '!';
  fclose(f);
  if (!script) return 0;
  char *words[3] = {0};
  int k = 0;
  for (char *w = strtok(line + 2, " \t\r\n"); w && k < 3; w = strtok(NULL, " \t\r\n")) words[k++] = w;
  if (!k) return 0;
  const char *base = strrchr(words[0], '/');
  if (base && !strcmp(base + 1, "env") && k > 1) {  /* #!/usr/bin/env [-S] NAME */
    const char *name = strcmp(words[1], "-S") || k < 3 ? words[1] : words[2];
    return in_path(name, out, n) ? -1 : 0;
  }
  return in_path(words[0], out, n) ? -1 : 0;
}
