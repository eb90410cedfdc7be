"""Speed and memory of the analysis engine on seeded synthetic judgments.

For each size: K participants in 3 groups, n outcomes, judgments on Saaty's scale drawn
around group-specific weights with log-normal noise (σ = 0.5) and 10 % skipped pairs.
Prints the time of the full analysis (everything, bootstrap included), the time of the
individual-priority step, the time of a per-participant ``ahpy`` loop for the same
step (timed on a sample and extrapolated), the speed-up, and the peak traced memory
of the full analysis.

Then, end to end as a user feels it: ``deliberate analyze FILE.csv --format json`` run as a
subprocess on a judgments CSV of K × 9 complete answers, against a per-participant ``ahpy``
loop computing the individual priorities of the same judgments (already parsed: the loop
alone), with the targets beside the ratios, and the command's peak resident memory. The
package's bytecode is compiled first, as installing it does (``PYTHONDONTWRITEBYTECODE``,
set in some environments, would otherwise have every run compile Deliberate's modules
again); start-up and imports are timed in full all the same.

Usage: ``python benchmarks/engine.py [--quick] [--bootstrap 1000] [--ahpy-sample 100]
[--end-to-end-only]``
"""

from __future__ import annotations

import argparse
import compileall
import gc
import itertools
import os
import subprocess
import sys
import tempfile
import time
import tracemalloc
import warnings
from pathlib import Path

# As `deliberate` sets for itself: one BLAS thread, for the in-process timings too (the
# engine's arrays are small; the ahpy loop is no faster with more threads).
for _threads in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_threads, "1")

import numpy as np  # noqa: E402

from deliberate.engine import analyze  # noqa: E402
from deliberate.engine.consistency import consistency_ratio  # noqa: E402
from deliberate.engine.priorities import eigenvector, harker_matrix, llsm  # noqa: E402
from deliberate.engine.synthetic import synthetic_csv, synthetic_table  # noqa: E402

FULL = list(itertools.product((100, 1_000, 10_000, 100_000), (5, 9, 15)))
QUICK = [(100, 5), (1_000, 9), (10_000, 9)]
#: (K, --bootstrap, at least this many times faster than the ahpy loop, or under this many s)
END_TO_END = [(10_000, 0, 3.0, None), (10_000, 1000, 2.0, None), (100_000, 1000, None, 10.0)]


def individual_step(logs: np.ndarray, mask: np.ndarray) -> None:
    """The individual-priority step: LLSM start, Harker/EV, λmax, CR."""
    w_log = llsm(logs, mask)
    _, lam = eigenvector(harker_matrix(logs, mask), start=w_log)
    consistency_ratio(lam, logs.shape[-1])


#: Runs a command and prints its wall seconds and peak resident KiB. A small process of its
#: own, so that the peak is the command's: a child forked straight from this (large)
#: process would count this process's pages as its own until it starts the command.
_MEASURE = (
    "import resource, subprocess, sys, time\n"
    "start = time.perf_counter()\n"
    "done = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)\n"
    "seconds = time.perf_counter() - start\n"
    "if done.returncode: sys.exit(done.stderr.decode())\n"
    "print(seconds, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
)


def run_analyze(path: Path, bootstrap: int) -> tuple[float, float]:
    """Wall seconds and peak resident MiB of ``deliberate analyze`` as a subprocess."""
    command = [str(Path(sys.executable).with_name("deliberate")), "analyze", str(path)]
    command += ["--bootstrap", str(bootstrap), "--format", "json"]
    measured = subprocess.run(
        [sys.executable, "-c", _MEASURE, *command], capture_output=True, text=True
    )
    if measured.returncode != 0:
        raise SystemExit(f"deliberate analyze failed: {measured.stderr}")
    seconds, peak_kib = measured.stdout.split()
    return float(seconds), int(peak_kib) / 1024


def end_to_end(repeats: int, max_k: int) -> None:
    """``deliberate analyze`` end to end beside the ahpy loop, with the targets."""
    import deliberate

    compileall.compile_dir(Path(deliberate.__file__).parent, quiet=1)
    print()
    print(
        "End to end: `deliberate analyze FILE --format json` (subprocess: start-up, reading, "
        "analysis, JSON out) on K × 9 complete answers (36 rows each), best of "
        f"{repeats} (bytecode compiled beforehand, as on install); ahpy: the per-participant "
        f"loop alone on the same judgments, best of {repeats} passes."
    )
    header = (
        f"{'K':>7} {'bootstrap':>9} {'analyze s':>10} {'ahpy loop s':>12} {'ratio':>7} "
        f"{'target':>12} {'result':>8} {'peak MiB':>9}"
    )
    print(f"(load average {os.getloadavg()[0]:.1f} at the start.)")
    print(header)
    print("-" * len(header))
    ahpy_loop: dict[int, float] = {}
    with tempfile.TemporaryDirectory() as folder:
        for K, bootstrap, ratio_target, seconds_target in END_TO_END:
            if max_k < K:
                continue
            table = synthetic_table(K, 9, seed=K, skip=0.0)
            path = Path(folder) / f"judgments-{K}.csv"
            if not path.exists():
                path.write_text(synthetic_csv(table), encoding="utf-8")
            runs = [run_analyze(path, bootstrap) for _ in range(repeats if K <= 10_000 else 1)]
            seconds = min(r[0] for r in runs)
            peak = max(r[1] for r in runs)
            if ratio_target is not None:
                if K not in ahpy_loop:
                    ahpy_loop[K] = ahpy_seconds_per_participant(table, K, repeats) * K
                ratio = ahpy_loop[K] / seconds
                met = ratio >= ratio_target
                cells = f"{ahpy_loop[K]:>12.2f} {ratio:>6.1f}× {f'≥ {ratio_target:g}×':>12}"
            else:
                met = seconds < seconds_target
                cells = f"{'':>12} {'':>7} {f'< {seconds_target:g} s':>12}"
            print(
                f"{K:>7} {bootstrap:>9} {seconds:>10.2f} {cells} {'met' if met else 'not met':>8} "
                f"{peak:>9.0f}",
                flush=True,
            )
        breakdown(Path(folder) / "judgments-10000.csv")
    load = os.getloadavg()[0]
    print(f"({os.cpu_count()} cores; load average {load:.1f} at the end of the run.)")


def breakdown(path: Path) -> None:
    """Where the end-to-end time of 10k × 9, bootstrap 0, goes (imports in a fresh process)."""
    imports = [sys.executable, "-c", "import deliberate.cli, deliberate.intake, deliberate.engine"]
    start = time.perf_counter()
    subprocess.run(imports, check=True)
    imported = time.perf_counter() - start
    from deliberate.analyze import usable_cpus
    from deliberate.engine import to_json_bytes
    from deliberate.intake import read_judgments

    start = time.perf_counter()
    table = read_judgments(path.read_bytes(), path.name).table()
    read = time.perf_counter() - start
    start = time.perf_counter()
    report = analyze(table, bootstrap=0, processes=usable_cpus())  # as the command runs it
    analysed = time.perf_counter() - start
    start = time.perf_counter()
    to_json_bytes(report)
    written = time.perf_counter() - start
    print(
        f"10,000 × 9, bootstrap 0, in parts: start-up and imports {imported:.2f} s, reading "
        f"{read:.2f} s, analysis {analysed:.2f} s, JSON {written:.2f} s."
    )


def ahpy_seconds_per_participant(table, sample: int, repeats: int = 1) -> float:
    """Mean time of ``ahpy.Compare`` (EV and CR) per participant over a sample, in the
    quickest of ``repeats`` passes."""
    import ahpy

    names = table.outcomes
    i, j = np.triu_indices(table.n, 1)
    rows = range(min(sample, table.size))
    inputs = []
    for k in rows:
        answered = table.mask[k, i, j]
        values = np.exp(table.log_judgments[k, i, j])
        inputs.append(
            {
                (names[a], names[b]): float(v)
                for a, b, v, ok in zip(i, j, values, answered, strict=True)
                if ok
            }
        )

    def loop() -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for k, comparisons in enumerate(inputs):
                ahpy.Compare(f"p{k}", comparisons, random_index="saaty")

    return best_of(repeats, loop) / len(inputs)


def best_of(repeats: int, func) -> float:
    times = []
    for _ in range(repeats):
        gc.collect()
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a small subset of sizes")
    parser.add_argument("--bootstrap", type=int, default=1000)
    parser.add_argument("--ahpy-sample", type=int, default=100, help="participants timed")
    parser.add_argument("--end-to-end-only", action="store_true", help="only the CLI timings")
    parser.add_argument("--repeats", type=int, default=3, help="end-to-end runs per size")
    parser.add_argument("--max-k", type=int, default=100_000, help="largest end-to-end K")
    args = parser.parse_args()
    if args.end_to_end_only:
        end_to_end(args.repeats, args.max_k)
        return
    sizes = QUICK if args.quick else FULL
    print(
        f"Synthetic workload: 3 groups, log-normal noise σ=0.5, 10% skipped pairs; "
        f"full analysis with bootstrap {args.bootstrap}. ahpy timed on up to "
        f"{args.ahpy_sample} participants per size and extrapolated to K "
        "(ahpy fills skipped pairs by its lambda-optimal completion, which is slower than "
        "Harker's method: the speed-up on complete matrices alone is smaller)."
    )
    header = (
        f"{'K':>7} {'n':>3} {'analysis s':>11} {'indiv. ms':>10} {'ahpy loop s':>12} "
        f"{'ahpy/complete s':>15} {'speed-up':>9} {'peak MiB':>9}"
    )
    print(header)
    print("-" * len(header))
    for K, n in sizes:
        table = synthetic_table(K, n, seed=K + n)
        repeats = 3 if K <= 10_000 else 1
        analysis = best_of(repeats, lambda t=table: analyze(t, bootstrap=args.bootstrap))
        indiv = best_of(5, lambda t=table: individual_step(t.log_judgments, t.mask))
        per = ahpy_seconds_per_participant(table, args.ahpy_sample)
        complete = synthetic_table(min(K, args.ahpy_sample), n, seed=K + n, skip=0.0)
        per_complete = ahpy_seconds_per_participant(complete, args.ahpy_sample)
        gc.collect()
        tracemalloc.start()
        analyze(table, bootstrap=args.bootstrap)
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
        print(
            f"{K:>7} {n:>3} {analysis:>11.3f} {1000 * indiv:>10.2f} {per * K:>12.1f} "
            f"{per_complete * K:>15.2f} {per * K / indiv:>8.0f}× {peak:>9.1f}",
            flush=True,
        )
    print(
        "indiv. ms: LLSM + Harker/EV + λmax + CR for all K participants in one call; "
        "'ahpy loop s' extrapolated from the sample on the same (incomplete) matrices, "
        "'ahpy/complete s' on complete matrices of the same size; speed-up against the "
        "former. Peak MiB: tracemalloc peak of the full analysis (input table not counted)."
    )
    end_to_end(args.repeats, args.max_k)


if __name__ == "__main__":
    main()
