"""Benchmark freezer against the plain floor on the shared corpus, in one run.

Usage: python bench/run.py N [--jobs 2] [--repeat 1] [--work DIR]

Writes N posts with ../shared/bench/make_corpus.py, then times whole
processes: the floor (1 process, --jobs processes, and jinja-only with
markdown pre-converted), and freezer building bench/blog cold, warm (nothing
changed) and after one post was edited. Prints wall seconds (median of
--repeat), pages/s, the peak RSS of the whole process tree, and each time as
a ratio of the floor with --jobs processes.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
MAKE_CORPUS = HERE.parent.parent / "shared" / "bench" / "make_corpus.py"


def tree_rss_kib(root: int) -> int:
    """The summed PSS of ``root`` and all its descendants, from /proc.

    PSS splits each shared page between the processes that share it, so forked
    workers are not counted twice for the memory they inherit.
    """
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            status = Path(f"/proc/{entry}/status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        pid, ppid = int(entry), int(fields.get("PPid", "0").strip() or 0)
        children.setdefault(ppid, []).append(pid)
        rss[pid] = 0
        if int(fields.get("VmRSS", "0 kB").split()[0] or 0):
            try:
                rollup = Path(f"/proc/{entry}/smaps_rollup").read_text()
                pss = next(line for line in rollup.splitlines() if line.startswith("Pss:"))
                rss[pid] = int(pss.split()[1])
            except (OSError, StopIteration):
                pass
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        stack.extend(children.get(pid, []))
    return total


def timed(
    args: list[str], env: dict[str, str] | None = None, cwd: Path | None = None
) -> tuple[float, int]:
    """Run a command; return (wall seconds, peak tree RSS in KiB)."""
    started = time.perf_counter()
    proc = subprocess.Popen(
        args, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, tree_rss_kib(proc.pid))
            done.wait(0.05)

    sampler = threading.Thread(target=sample)
    sampler.start()
    _, stderr = proc.communicate()
    wall = time.perf_counter() - started
    done.set()
    sampler.join()
    if proc.returncode != 0:
        sys.exit(f"{' '.join(args)} failed:\n{stderr.decode()}")
    return wall, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--work", type=Path, default=Path("/tmp/freezer-bench"))
    parser.add_argument("--cmark", action="store_true", help="also time markdown_engine = cmark")
    args = parser.parse_args()
    work = args.work / str(args.n)
    corpus = work / "corpus"
    if not (corpus / "posts").is_dir():
        subprocess.run([sys.executable, str(MAKE_CORPUS), str(args.n), str(corpus)], check=True)
    tags = set()
    for post in (corpus / "posts").glob("*.md"):
        line = next(x for x in post.read_text().splitlines() if x.startswith("tags:"))
        tags.update(t.strip() for t in line[len("tags:") :].strip(" []").split(","))
    pages = args.n + 1 + len(tags)
    rows: list[tuple[str, float, int]] = []
    py = sys.executable

    # Bytecode is cached, as on a user's machine (some sandboxes turn that off).
    base_env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    subprocess.run(
        [py, "-c", "import freezer.cli, markdown, jinja2, yaml"], env=base_env, check=True
    )

    def measure(name: str, make_args, before=None, env=None) -> None:
        walls, peaks = [], []
        for _ in range(args.repeat):
            if before:
                before()
            wall, peak = timed(make_args(), env=env or base_env)
            walls.append(wall)
            peaks.append(peak)
        rows.append((name, statistics.median(walls), max(peaks)))
        print(f"  {name}: {statistics.median(walls):.2f} s", file=sys.stderr)

    def fresh(folder: Path):
        return lambda: shutil.rmtree(folder, ignore_errors=True)

    floor_out = work / "floor"
    measure(
        "floor, 1 process",
        lambda: [py, str(HERE / "floor.py"), str(corpus), str(floor_out)],
        fresh(floor_out),
    )
    measure(
        f"floor, {args.jobs} processes",
        lambda: [py, str(HERE / "floor.py"), str(corpus), str(floor_out), "--jobs", str(args.jobs)],
        fresh(floor_out),
    )
    baked = work / "baked.pickle"
    if not baked.exists():
        subprocess.run(
            [py, str(HERE / "floor.py"), str(corpus), str(floor_out), "--bake", str(baked)],
            check=True,
        )
    measure(
        "floor, jinja2 + write only",
        lambda: [py, str(HERE / "floor.py"), str(corpus), str(floor_out), "--prebaked", str(baked)],
        fresh(floor_out),
    )

    dest = work / "build"
    cache = HERE / "blog" / ".freezer-cache"
    env = {**base_env, "FREEZER_BENCH_CORPUS": str(corpus)}
    build = [
        py,
        "-m",
        "freezer.cli",
        "build",
        "--app",
        str(HERE / "blog" / "app.py"),
        "--dest",
        str(dest),
        "--jobs",
        str(args.jobs),
        "--force",
    ]

    def cold() -> None:
        shutil.rmtree(dest, ignore_errors=True)
        shutil.rmtree(cache, ignore_errors=True)

    measure(f"freezer cold, {args.jobs} jobs", lambda: build, cold, env)
    measure(f"freezer warm (nothing changed), {args.jobs} jobs", lambda: build, None, env)
    edited = corpus / "posts" / "post-00001.md"
    original = edited.read_text()
    counter = [0]

    def edit() -> None:
        counter[0] += 1
        edited.write_text(original + f"\nEdited paragraph number {counter[0]}.\n")

    measure(f"freezer, one post edited, {args.jobs} jobs", lambda: build, edit, env)
    edited.write_text(original)
    if args.cmark:
        cmark_env = {**env, "FREEZER_MARKDOWN_ENGINE": "cmark"}
        measure(f"freezer cold, cmark engine, {args.jobs} jobs", lambda: build, cold, cmark_env)
    shutil.rmtree(cache, ignore_errors=True)

    reference = rows[1][1]
    jinja_floor = rows[2][1]
    print(
        f"\n{args.n} posts, {pages} pages, {os.cpu_count()} CPUs, Python {sys.version.split()[0]}"
    )
    print(
        f"| run | wall s | pages/s | peak memory (PSS) MiB | ratio to {args.jobs}-process floor |"
    )
    print("| --- | ---: | ---: | ---: | ---: |")
    for name, wall, peak in rows:
        ratio = f"{wall / reference:.2f}x"
        if "cmark" in name:
            ratio += f" ({wall / jinja_floor:.2f}x jinja floor)"
        print(f"| {name} | {wall:.2f} | {pages / wall:.0f} | {peak / 1024:.0f} | {ratio} |")


if __name__ == "__main__":
    main()
