#!/usr/bin/python3
"""record_validation.py — `isoreplay record` on programs nobody here wrote, each test run
plain and under `isoreplay record`:
- Node's own worker tests (test/parallel/test-worker*.js of Debian's nodejs 18 source),
  by Debian's node 18 (bin/debian-node of the build: the preload way) and by each official
  node of the version matrix (build/<preset>/runtimes/runtimes.tsv: the uprobe way);
- isolated-vm 5.0.4 (npm, built with node-gyp against Debian's node 18 headers) on
  Debian's node 18, and isolated-vm 6.1.2 (npm, its prebuilt binary for Node 24) on node
  24; their test suites are not in the npm package: give a clone of laverdet/isolated-vm
  with its tags with --isolated-vm-repo DIR (left out otherwise, saying so).

Prints a line per test and a table: the tests run, those that pass without the probe
(the others are left out, counted), those that still pass with it, the violations found
(errors and warnings; what a process leaves at its exit is information, not counted),
and the wall-time ratio with and without the probe over the tests that pass both ways.
Exits 1 when a test that passes plainly fails under record, or record finds an error.

    /usr/bin/python3 bench/record_validation.py [--build default] [--only SUBSTRING]
                                                [--nodes 18,22,24,26] [--isolated-vm-repo DIR]

The source tarball comes from Debian's deb-src (a private apt list under the build tree:
the system's apt configuration is not touched) and is cached in build/_v8/node-src."""
import argparse
import json
import os
import re
import shutil
import signal
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


def run_group(cmd, timeout, **kw):
    """subprocess.run in a session of its own, the whole session killed at the timeout
    (a recorded program outlives a killed `isoreplay record`). The CompletedProcess, or
    None on a timeout."""
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, errors="replace",
                          start_new_session=True, **kw) as p:
        try:
            out, err = p.communicate(timeout=timeout)
            return subprocess.CompletedProcess(cmd, p.returncode, out, err)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            p.communicate()
            return None


def quiesce():
    """Waits (2 s at most) until no recording's uprobes are left: a recording's reader
    removes them after `record` has exited, and a program started meanwhile would trap on
    them, plain runs included."""
    events = Path("/sys/kernel/tracing/uprobe_events")
    for _ in range(200):
        try:
            if ":isoreplay_" not in events.read_text():
                return
        except OSError:
            return
        time.sleep(0.01)


def run(cmd, cwd, timeout, env=None):
    start = time.monotonic()
    p = run_group(cmd, timeout, cwd=cwd, env=env)
    if p is None:
        return "timeout", "", time.monotonic() - start
    return p.returncode, p.stdout + p.stderr, time.monotonic() - start


def isoreplay_lines_out(stderr):
    """The program's own stderr: record's report lines (and their frames and notes) out."""
    keep, in_report = [], False
    for line in stderr.splitlines(keepends=True):
        if line.startswith("isoreplay record: "):
            in_report = True
            continue
        if in_report and line.startswith(("      at ", "    note: ")):
            continue
        in_report = False
        keep.append(line)
    return "".join(keep)


def libuv_headers(cache):
    """libuv's headers (Debian keeps them out of libnode-dev): libuv1-dev, apt-get
    downloaded and unpacked in cache/uv, never installed. Returns the include directory."""
    include = cache / "uv" / "usr" / "include"
    if not (include / "uv.h").exists():
        cache.mkdir(parents=True, exist_ok=True)
        subprocess.run(["apt-get", "download", "libuv1-dev"], cwd=cache, check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        deb = sorted(cache.glob("libuv1-dev_*.deb"))[0]
        subprocess.run(["dpkg", "-x", str(deb), str(cache / "uv")], check=True)
    return include


def build_isolated_vm(cache, headers):
    """isolated-vm 5.0.4 from npm, built against Debian's node 18 headers (and libuv's,
    which Debian keeps apart); its module and JS entry staged in cache/run."""
    run_dir = cache / "run"
    if (run_dir / "out" / "isolated_vm.node").exists():
        return run_dir
    cache.mkdir(parents=True, exist_ok=True)
    if not (cache / "package").is_dir():
        subprocess.run(["npm", "pack", "isolated-vm@5.0.4"], cwd=cache, check=True, stdout=subprocess.DEVNULL)
        subprocess.run(["tar", "xzf", "isolated-vm-5.0.4.tgz"], cwd=cache, check=True)
    libuv_headers(cache)
    built = cache / "package" / "build" / "Release" / "isolated_vm.node"
    if not built.exists():
        node_gyp(cache, headers)
    (run_dir / "out").mkdir(parents=True, exist_ok=True)
    shutil.copy(built, run_dir / "out")
    for f in ("isolated-vm.js", "package.json"):
        shutil.copy(cache / "package" / f, run_dir)
    return run_dir


def node_gyp(cache, headers):
    """npm's own node-gyp, with Debian's node headers and libuv's."""
    gyp = Path(subprocess.run(["npm", "prefix", "-g"], capture_output=True, text=True).stdout.strip())
    gyp = gyp / "lib" / "node_modules" / "npm" / "node_modules" / "node-gyp" / "bin" / "node-gyp.js"
    env = dict(os.environ, CXXFLAGS=f"-I{cache / 'uv' / 'usr' / 'include'}")
    print("isolated-vm: building 5.0.4 with node-gyp against Debian's node 18 headers (a few minutes)", flush=True)
    subprocess.run(["node", str(gyp), "rebuild", "--release", "-j", "2", f"--nodedir={headers}"], cwd=cache / "package",
                   env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def ivm_suite(repo, run_dir, node, isoreplay, timeout, only):
    """isolated-vm's tests as its test.js runs them: node --no-node-snapshot [node-args]
    tests/X.js with NODE_PATH at the module; a pass prints exactly "pass" and nothing on
    stderr."""
    rows = []
    env = dict(os.environ, NODE_PATH=str(run_dir))
    for test in sorted((repo / "tests").glob("*.js")):
        if only not in test.name:
            continue
        m = re.search(r"node-args: *(.+)", test.read_text(errors="replace"))
        args = ["--no-node-snapshot", *(m.group(1).split(" ") if m else []), f"tests/{test.name}"]
        def one(cmd):
            start = time.monotonic()
            p = run_group(cmd, timeout, cwd=repo, env=env)
            if p is None:
                return False, "", time.monotonic() - start
            own = isoreplay_lines_out(p.stderr)
            return p.returncode == 0 and p.stdout == "pass\n" and own == "", p.stderr, time.monotonic() - start
        quiesce()
        rows.append((test.name, one([str(node), *args]), one([str(isoreplay), "record", "--", str(node), *args])))
    return rows


def ivm_tests(repo, tag, dest):
    """isolated-vm's tests at a tag of a clone of its repository (git archive), cached."""
    if not (dest / "tests").is_dir():
        dest.mkdir(parents=True, exist_ok=True)
        archive = subprocess.run(["git", "-C", str(repo), "archive", tag, "tests"], capture_output=True, check=True)
        subprocess.run(["tar", "x", "-C", str(dest)], input=archive.stdout, check=True)
    return dest


def stage_isolated_vm_6(cache):
    """isolated-vm 6.1.2 as npm gives it to a user of Node 24: its prebuilt binary for that
    ABI (prebuilds/linux-x64/isolated-vm.abi137.glibc.node), found by node-gyp-build.
    Returns the NODE_PATH directory that holds it as `isolated-vm`."""
    package = cache / "package"
    if not (package / "node_modules" / "node-gyp-build").is_dir():
        cache.mkdir(parents=True, exist_ok=True)
        subprocess.run(["npm", "pack", "isolated-vm@6.1.2"], cwd=cache, check=True, stdout=subprocess.DEVNULL)
        subprocess.run(["tar", "xzf", "isolated-vm-6.1.2.tgz"], cwd=cache, check=True)
        subprocess.run(["npm", "install", "--omit=dev", "--ignore-scripts", "--no-audit", "--no-fund"], cwd=package,
                       check=True, stdout=subprocess.DEVNULL)
    link = cache / "nm" / "isolated-vm"
    link.parent.mkdir(exist_ok=True)
    if not link.exists():
        link.symlink_to(package)
    return link.parent


def table_row(label, what, total, left_out, passed, ran, found, t_rec, t_plain):
    """One program's table row, notes on its violations (code -> tests), and its error count."""
    errors = sum(len(v) for k, v in found.items() if k.startswith("error"))
    warnings = sum(len(v) for k, v in found.items() if k.startswith("warning"))
    ratio = t_rec / t_plain if t_plain else float("nan")
    row = (f"| {label}: {what} | {total} | {left_out} | {passed} of {ran} | {errors} | {warnings} | "
           f"{ratio:.2f}x ({t_rec:.1f} s / {t_plain:.1f} s) |")
    notes = [f"  {label}: {k}: {len(v)} times in {len(set(v))} tests: {', '.join(sorted(set(v))[:8])}"
             f"{' ...' if len(set(v)) > 8 else ''}" for k, v in sorted(found.items())]
    return row, notes, errors


def ivm_rows(label, ivm, what="its tests/*.js"):
    """A table row and notes for one isolated-vm suite; the tests that broke under record."""
    found, left_out, tp, tr, passed, broke = {}, 0, 0.0, 0.0, 0, []
    for name, (ok, _, dt), (rok, err, drt) in ivm:
        for sev, code in FINDING.findall(err):
            found.setdefault(f"{sev}[{code}]", []).append(name)
        if not ok:
            left_out += 1
            print(f"{label}: {name}: left out (fails without the probe)", flush=True)
            continue
        if rok:
            passed += 1
            tp, tr = tp + dt, tr + drt
        else:
            broke.append(f"{label}: {name}")
        print(f"{label}: {name}: {'pass' if rok else 'FAILS under record'}; {len(FINDING.findall(err))} violations; "
              f"{dt:.2f} s plain, {drt:.2f} s recorded", flush=True)
    row, notes, _ = table_row(label, what, len(ivm), left_out, passed, len(ivm) - left_out, found, tr, tp)
    return row, notes, broke


def build_embedtest(root, cache, headers):
    """Node's test/embedding/embedtest.cc (Debian's nodejs 18 source), built against Debian's
    libnode 10.2 and libuv's headers (libuv_headers(cache))."""
    out = root.parent / "embedtest"
    if out.exists():
        return out
    if not (root / "test" / "embedding" / "embedtest.cc").exists():
        with tarfile.open(sorted(root.parent.glob("nodejs_*.orig.tar.xz"))[0]) as tar:
            top = root.name
            tar.extractall(root.parent, members=[m for m in tar.getmembers()
                                                 if m.name.startswith(f"{top}/test/embedding/")])
    lib = headers / "lib" / "x86_64-linux-gnu"
    subprocess.run(["g++", "-std=c++17", "-O1", "-w", "-o", str(out), str(root / "test" / "embedding" / "embedtest.cc"),
                    f"-I{headers / 'include' / 'node'}", f"-I{libuv_headers(cache)}", f"-L{lib}", "-lnode",
                    "-l:libuv.so.1", f"-Wl,-rpath,{lib}"], check=True)
    return out


def embedding_suite(root, embedtest, node, isoreplay, timeout):
    """The cases of Node's test/embedding/test-embedding.js, each an embedtest run (through
    debian-node, for libnode's builtins) plain and recorded: the same output and status."""
    fixture = json.dumps(str(root / "test" / "fixtures" / "exit.js"))
    cases = [(["console.log(42)"], "42", 0), (["console.log(embedVars.n\u00f6n_asc\u0131\u0131)"],
              "\U0001f3f3\ufe0f\u200d\U0001f308", 0),
             (["throw new Error()"], None, 1), (["process.exitCode = 8"], None, 8),
             ([f"require({fixture})", "92"], None, 92)]
    env = dict(os.environ, ISOREPLAY_DEBIAN_NODE_EXEC=str(embedtest))
    rows = []
    for args, stdout, status in cases:
        def one(cmd):
            start = time.monotonic()
            p = run_group(cmd, timeout, env=env)
            if p is None:
                return False, "", time.monotonic() - start
            ok = p.returncode == status and (stdout is None or p.stdout.strip() == stdout)
            return ok, p.stderr, time.monotonic() - start
        quiesce()
        rows.append((" ".join(args)[:40], one([str(node), *args]), one([str(isoreplay), "record", "--", str(node), *args])))
    return rows


def official_nodes(build):
    """The official node binaries of the build's version matrix: (Node major, V8, path)."""
    rows = []
    tsv = PROJECT / "build" / build / "runtimes" / "runtimes.tsv"
    for line in tsv.read_text().splitlines() if tsv.exists() else []:
        if line.startswith("#"):
            continue
        v8, _origin, node, _addon = line.split("\t")
        major = re.search(r"/(\d+)\.\d+\.\d+/package/bin/node$", node)
        rows.append((major.group(1) if major else node, v8, Path(node)))
    return rows


def worker_suite(label, node, isoreplay, tests, root, timeout, env=None):
    """Node's worker tests on one node, plain and recorded: a table row, notes on the
    violations, the tests that broke under record, and the errors found."""
    plain_fail, broke, ran, found_by = [], [], [], {}
    t_plain = t_rec = 0.0
    for test in tests:
        args = [*flags_of(test), str(test)]
        quiesce()
        rc, _, dt = run([str(node), *args], root, timeout, env)
        if rc != 0:
            plain_fail.append(test.name)
            print(f"{label}: {test.name}: left out (fails without the probe: {rc})", flush=True)
            continue
        rrc, out, drt = run([str(isoreplay), "record", "--", str(node), *args], root, timeout, env)
        m = SUMMARY.search(out)
        found = FINDING.findall(out)
        for sev, code in found:
            found_by.setdefault(f"{sev}[{code}]", []).append(test.name)
        if rrc != 0:
            broke.append(test.name)
        else:
            t_plain += dt
            t_rec += drt
        ran.append(test.name)
        verdict = "pass" if rrc == 0 else f"FAILS under record ({rrc})"
        print(f"{label}: {test.name}: {verdict}; {m.group(1) if m else '?'} V8 calls; {len(found)} violations; "
              f"{dt:.2f} s plain, {drt:.2f} s recorded", flush=True)
    row, notes, n_err = table_row(label, "test/parallel/test-worker*.js", len(tests), len(plain_fail),
                                  len(ran) - len(broke), len(ran), found_by, t_rec, t_plain)
    return row, notes, broke, n_err


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", default="default")
    ap.add_argument("--only", default="")
    ap.add_argument("--timeout", type=float, default=120)
    ap.add_argument("--nodes", default="18,22,24,26",
                    help="which nodes run the worker tests: 18 is Debian's (preload), the others the matrix's (uprobes)")
    ap.add_argument("--isolated-vm-repo", type=Path, help="a clone of laverdet/isolated-vm with its tags")
    a = ap.parse_args()
    wanted = set(a.nodes.split(","))
    bindir = PROJECT / "build" / a.build / "bin"
    isoreplay, node = bindir / "isoreplay", bindir / "debian-node"
    for tool in (isoreplay, node):
        if not tool.exists():
            sys.exit(f"record_validation: {tool} is missing: build the {a.build} preset (Debian's node comes with it)")
    cache = PROJECT / "build" / "_v8" / "node-src"
    cache.mkdir(parents=True, exist_ok=True)
    root = unpack_tests(fetch_source(cache), cache)
    tests = sorted(p for p in (root / "test" / "parallel").glob("test-worker*.js") if a.only in p.name)
    table, notes, broke, n_err = [], [], [], 0
    suites = [("Debian node 18 (libnode 10.2, preload)", node, None)] if "18" in wanted else []
    # Node 18's test/common fails every test on a newer node for its new globals
    # (`navigator`): its own switch turns that check off.
    newer = dict(os.environ, NODE_TEST_KNOWN_GLOBALS="0")
    suites += [(f"node {major} (V8 {v8.rsplit('.', 2)[0]}, uprobes)", path, newer)
               for major, v8, path in official_nodes(a.build) if major in wanted]
    for label, path, env in suites:
        row, more, b, e = worker_suite(label, path, isoreplay, tests, root, a.timeout, env)
        table.append(row)
        notes += more
        broke += [f"{label}: {t}" for t in b]
        n_err += e
    if "18" in wanted:  # Node's embedding test: an embedder of libnode, not node itself
        embedtest = build_embedtest(root, PROJECT / "build" / "_v8" / "isolated-vm", PROJECT / "build" / "_v8" / "root" / "usr")
        row, more, b = ivm_rows("Node 18's test/embedding (embedtest on libnode 10.2, preload)",
                                embedding_suite(root, embedtest, node, isoreplay, a.timeout), "the cases of test-embedding.js")
        table.append(row)
        notes += more
        broke += b
    ivm_broke = []
    if a.isolated_vm_repo:
        repo = a.isolated_vm_repo.resolve()
        v8dir = PROJECT / "build" / "_v8"
        nodes = {major: path for major, _v8, path in official_nodes(a.build)}
        suites = [("isolated-vm 5.0.4 on Debian node 18 (preload)", "v5.0.4", node,
                   lambda: build_isolated_vm(v8dir / "isolated-vm", v8dir / "root" / "usr"))]
        if "24" in nodes:
            suites.append(("isolated-vm 6.1.2 on node 24 (uprobes)", "v6.1.2", nodes["24"],
                           lambda: stage_isolated_vm_6(v8dir / "isolated-vm-6.1.2")))
        for label, tag, ivm_node, stage in suites:
            tests_dir = ivm_tests(repo, tag, v8dir / f"isolated-vm-tests-{tag}")
            row, more, b = ivm_rows(label, ivm_suite(tests_dir, stage(), ivm_node, isoreplay, a.timeout, a.only))
            table.append(row)
            notes += more
            ivm_broke += b
    else:
        print("isolated-vm: left out: its tests are not in the npm package; pass --isolated-vm-repo DIR, a clone "
              "of laverdet/isolated-vm with its tags (v5.0.4, v6.1.2)")
    print()
    print("| program | tests | fail without the probe (left out) | pass with the probe | errors | warnings | wall time with / without |")
    print("|---|---|---|---|---|---|---|")
    print("\n".join(table))
    print("\n".join(notes))
    if broke or ivm_broke:
        print("fail under record only: " + ", ".join(broke + ivm_broke))
    return 1 if broke or ivm_broke or n_err else 0


if __name__ == "__main__":
    sys.exit(main())
