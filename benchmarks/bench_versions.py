"""Training speed of two versions of kofasttext on one machine, in one run: a git revision against the work tree.

A change that should not touch speed (a refactor) is checked here rather than against numbers recorded on
another day, because this machine is shared and its speed drifts (another CPU model, other tenants). The
revision is checked out in a temporary git worktree; each training runs in a fresh process whose ``PYTHONPATH``
puts that version's package first, the two versions alternating so that drift hits both alike. Every run trains
the same corpus with the same settings and seed, reading it from the same encoded-corpus cache (warmed first,
untimed), and is timed over the whole ``kft.train`` call.

    python benchmarks/bench_versions.py [--data DIR] [--base REV] [--schemes syllable jamo] [--epoch 2]
        [--repeats 2] [--threads 2] [--json FILE]

Not a unit test: run it by hand on an idle machine (about 4 minutes per scheme at the defaults on 2 cores).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

SCRIPT_DIR = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.dirname(SCRIPT_DIR)
RESULT_PREFIX = "BENCH_VERSIONS_RESULT "

#: One training, run in a child process: prints the wall seconds of the whole kft.train call.
CHILD = """
import json, sys, time
import kofasttext as kft
job = json.loads(sys.argv[1])
started = time.perf_counter()
kft.train(job["corpus"], subwords=job["scheme"], epoch=job["epoch"], threads=job["threads"], seed=0, progress=False)
print(PREFIX + json.dumps({"seconds": time.perf_counter() - started, "package": kft.__file__}))
""".replace("PREFIX", repr(RESULT_PREFIX))


def run_once(tree: str, job: dict) -> float:
    env = {**os.environ, "PYTHONPATH": tree}
    completed = subprocess.run(
        [sys.executable, "-c", CHILD, json.dumps(job)], env=env, stdout=subprocess.PIPE, text=True, cwd=tree, check=True
    )
    line = next(line for line in completed.stdout.splitlines() if line.startswith(RESULT_PREFIX))
    result = json.loads(line[len(RESULT_PREFIX) :])
    if not os.path.realpath(result["package"]).startswith(os.path.realpath(tree)):
        raise SystemExit(f"bench_versions: {tree} did not provide the kofasttext that ran ({result['package']})")
    return result["seconds"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    default_data = os.environ.get("KOFASTTEXT_DATA", os.path.join(REPO_ROOT, "..", "shared", "data"))
    parser.add_argument("--data", default=default_data)
    parser.add_argument("--base", default="HEAD~1", help="git revision to compare the work tree with (default: HEAD~1)")
    parser.add_argument("--schemes", nargs="+", default=["syllable", "jamo"])
    parser.add_argument("--epoch", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=2, help="timed runs of each version per scheme (default: 2)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--json", help="also write the results here")
    args = parser.parse_args()
    corpus = os.path.join(args.data, "nsmc", "corpus.txt.gz")
    if not os.path.isfile(corpus):
        raise SystemExit(f"bench_versions: {corpus} not found (give --data DIR or set KOFASTTEXT_DATA)")
    base_commit = subprocess.run(["git", "rev-parse", args.base], cwd=REPO_ROOT, stdout=subprocess.PIPE, text=True, check=True)
    with tempfile.TemporaryDirectory(prefix="kft-base-") as base_tree:
        subprocess.run(["git", "worktree", "add", "--detach", base_tree, base_commit.stdout.strip()], cwd=REPO_ROOT, check=True)
        try:
            trees = {f"base {args.base}": base_tree, "work tree": REPO_ROOT}
            results = {}
            for scheme in args.schemes:
                job = {"corpus": os.path.abspath(corpus), "scheme": scheme, "epoch": 1, "threads": args.threads}
                run_once(REPO_ROOT, job)  # warm the encoded-corpus cache and the page cache, untimed
                job["epoch"] = args.epoch
                times = {name: [] for name in trees}
                for _ in range(args.repeats):
                    for name, tree in trees.items():
                        times[name].append(run_once(tree, job))
                        print(f"{scheme} {name}: {times[name][-1]:.1f} s", file=sys.stderr, flush=True)
                results[scheme] = times
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", base_tree], cwd=REPO_ROOT, check=True)
    base_name, work_name = trees
    print(f"\n| scheme | {base_name} s (median) | work tree s (median) | work tree / base speed |")
    print("|---|---|---|---|")
    for scheme, times in results.items():
        base, work = statistics.median(times[base_name]), statistics.median(times[work_name])
        runs = {name: ", ".join(f"{t:.1f}" for t in times[name]) for name in times}
        print(f"| {scheme} | {base:.1f} ({runs[base_name]}) | {work:.1f} ({runs[work_name]}) | {base / work:.3f} |")
    print(f"\n{args.epoch} epochs of the NSMC corpus, {args.threads} threads, seed 0; base {base_commit.stdout.strip()[:10]}")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            record = {"base": base_commit.stdout.strip(), "epoch": args.epoch, "threads": args.threads, "seconds": results}
            json.dump(record, handle, indent=2)


if __name__ == "__main__":
    main()
