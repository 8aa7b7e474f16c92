#!/usr/bin/python3
"""record_validation.py — `isoreplay record` on programs nobody here wrote: Node's own
worker tests (test/parallel/test-worker*.js of Debian's nodejs 18 source), each run by
Debian's node 18 (bin/debian-node of the build) plain and under `isoreplay record`.

Prints a line per test and a table: the tests run, those that pass without the probe
(the others are left out, counted), those that still pass with it, the violations found
(errors and warnings; what a process leaves at its exit is information, not counted),
and the wall-time ratio with and without the probe over the tests that pass both ways.
Exits 1 when a test that passes plainly fails under record, or record finds an error.

    /usr/bin/python3 bench/record_validation.py [--build default] [--only SUBSTRING]

The source tarball comes from Debian's deb-src (a private apt list under the build tree:
the system's apt configuration is not touched) and is cached in build/_v8/node-src."""
import argparse
import re
import subprocess
import sys
import tarfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
VERSION = "18.20.4+dfsg-1~deb12u3"
SUMMARY = re.compile(r"isoreplay record: (\d+) V8 calls? on (\d+) threads?, (\d+) isolates?: "
                     r"(\d+) errors?, (\d+) warnings?")
FINDING = re.compile(r"isoreplay record: (error|warning)\[([a-z-]+)\]")


def fetch_source(cache):
    """The orig tarball of Debian's nodejs VERSION, through a private deb-src list."""
    found = sorted(cache.glob("nodejs_*.orig.tar.xz"))
    if found:
        return found[0]
    apt = cache / "apt"
    (apt / "lists" / "partial").mkdir(parents=True, exist_ok=True)
    (apt / "sources.list").write_text(
        "deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] "
        "http://deb.debian.org/debian-security bookworm-security main\n"
        "deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] "
        "http://deb.debian.org/debian bookworm main\n")
    opts = [f"-oDir::Etc::SourceList={apt}/sources.list", "-oDir::Etc::SourceParts=/dev/null",
            f"-oDir::State::Lists={apt}/lists", f"-oDir::Cache={apt}/cache"]
    subprocess.run(["apt-get", *opts, "update"], check=True, stdout=subprocess.DEVNULL)
    # The .dsc may be gone from the mirror while the tarballs stay: only the tarball is needed.
    subprocess.run(["apt-get", *opts, "source", "--download-only", f"nodejs={VERSION}"], cwd=cache,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    found = sorted(cache.glob("nodejs_*.orig.tar.xz"))
    if not found:
        sys.exit(f"record_validation: could not fetch the source of nodejs {VERSION} into {cache}")
    return found[0]


def unpack_tests(tarball, cache):
    """test/common, test/fixtures and the worker tests, unpacked once."""
    with tarfile.open(tarball) as tar:
        top = tar.next().name.split("/")[0]
        root = cache / top
        if not (root / "test" / "common").is_dir():
            wanted = (f"{top}/test/common/", f"{top}/test/fixtures/", f"{top}/test/parallel/test-worker")
            members = [m for m in tar.getmembers() if m.name.startswith(wanted)]
            tar.extractall(cache, members=members)
    return root


def flags_of(test):
    """Node's test convention: a `// Flags: ...` line gives node's options."""
    for line in test.read_text(errors="replace").splitlines()[:40]:
        m = re.match(r"//\s*Flags:\s*(.*)", line)
        if m:
            return m.group(1).split()
    return []


def run(cmd, cwd, timeout):
    start = time.monotonic()
    try:
        p = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout, errors="replace")
        return p.returncode, p.stdout + p.stderr, time.monotonic() - start
    except subprocess.TimeoutExpired:
        return "timeout", "", time.monotonic() - start


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", default="default")
    ap.add_argument("--only", default="")
    ap.add_argument("--timeout", type=float, default=120)
    a = ap.parse_args()
    bindir = PROJECT / "build" / a.build / "bin"
    isoreplay, node = bindir / "isoreplay", bindir / "debian-node"
    for tool in (isoreplay, node):
        if not tool.exists():
            sys.exit(f"record_validation: {tool} is missing: build the {a.build} preset (Debian's node comes with it)")
    cache = PROJECT / "build" / "_v8" / "node-src"
    cache.mkdir(parents=True, exist_ok=True)
    root = unpack_tests(fetch_source(cache), cache)
    tests = sorted(p for p in (root / "test" / "parallel").glob("test-worker*.js") if a.only in p.name)
    plain_fail, broke, rows, errors = [], [], [], {}
    t_plain = t_rec = 0.0
    for test in tests:
        args = [*flags_of(test), str(test)]
        rc, _, dt = run([str(node), *args], root, a.timeout)
        if rc != 0:
            plain_fail.append(test.name)
            print(f"{test.name}: left out (fails without the probe: {rc})", flush=True)
            continue
        rrc, out, drt = run([str(isoreplay), "record", "--", str(node), *args], root, a.timeout)
        m = SUMMARY.search(out)
        found = FINDING.findall(out)
        for sev, code in found:
            errors.setdefault(f"{sev}[{code}]", []).append(test.name)
        calls = m.group(1) if m else "?"
        verdict = "pass" if rrc == 0 else f"FAILS under record ({rrc})"
        if rrc != 0:
            broke.append(test.name)
        else:
            t_plain += dt
            t_rec += drt
        rows.append(test.name)
        print(f"{test.name}: {verdict}; {calls} V8 calls; {len(found)} violations; "
              f"{dt:.2f} s plain, {drt:.2f} s recorded", flush=True)
    n_err = sum(len(v) for k, v in errors.items() if k.startswith("error"))
    n_warn = sum(len(v) for k, v in errors.items() if k.startswith("warning"))
    print()
    print("| program | tests | fail without the probe (left out) | pass with the probe | errors | warnings | wall time with / without |")
    print("|---|---|---|---|---|---|---|")
    ratio = t_rec / t_plain if t_plain else float("nan")
    print(f"| Debian node 18 (libnode 10.2, preload): test/parallel/test-worker*.js | {len(tests)} | {len(plain_fail)} | "
          f"{len(rows) - len(broke)} of {len(rows)} | {n_err} | {n_warn} | {ratio:.2f}x ({t_rec:.1f} s / {t_plain:.1f} s) |")
    for k, v in sorted(errors.items()):
        print(f"  {k}: {', '.join(sorted(set(v)))}")
    if broke:
        print("fail under record only: " + ", ".join(broke))
    return 1 if broke or n_err else 0


if __name__ == "__main__":
    sys.exit(main())
