#!/usr/bin/env python3
"""Calibration benchmark: Repère's EM (engine, Rust) against girth's MML (Python).

One complete 2PL data set (2,000 persons x 60 items, seeded) is written to CSV
files that both programs read. girth's `twopl_mml` and Repère's `calibrate`
(through the `calibrate_bench` example of the engine, timing only the calls to
`calibrate`, one thread like girth) run on it. The script prints the times, their
ratios and the RMSEs of a and b against the true parameters.

What is compared (the same job on both sides):

- girth's `twopl_mml` returns the parameters only (no standard errors, no fit),
  and stops when no discrimination moves by more than 1e-3 between two of its
  cycles (or after 25 cycles; it stops well before on this data).
- Headline: Repère's estimates alone, stopping when one EM step moves no parameter
  (a and the intercept d = -a*b) by more than 1e-3, log-likelihood criterion off:
  girth's rule, applied to every parameter rather than to a only.
- Also printed: Repère with the standard errors (cross-product information) and the
  item fit (S-X2, PX2, infit/outfit) that `repere calibrate` computes, under
  girth's rule and under the engine's default rule (largest change < 1e-4 and
  log-likelihood change < 1e-3), and plain EM without SQUAREM (girth's rule).

Target: the headline at least 20x faster than girth at equal or better RMSE
(within 0.005). Rounds alternate one girth fit and Repère's figures (each the
median of 5 fits), so both sides see the same load; times and ratios are medians
over the rounds (`--runs`, default 5), and the load average is printed because the
machine may be shared.

Usage: girth_compare.py REPO_ROOT [--runs N]   (run by `cargo xtask bench`; it
installs girth into .tools/venv-bench when missing).
"""

import json
import os
import statistics
import subprocess
import sys
import time

# girth release compared against (PyPI), pinned so the figures stay comparable.
GIRTH_VERSION = "0.8.0"


def ensure_venv(root):
    venv = os.path.join(root, ".tools", "venv-bench")
    python = os.path.join(venv, "bin", "python")
    if not os.path.exists(python):
        subprocess.run([sys.executable, "-m", "venv", venv], check=True)
    check = "import importlib.metadata as m, numpy, scipy; assert m.version('girth') == '%s'" % GIRTH_VERSION
    try:
        subprocess.run([python, "-c", check], check=True, capture_output=True)
    except subprocess.CalledProcessError:
        subprocess.run(
            [python, "-m", "pip", "install", "--quiet", f"girth=={GIRTH_VERSION}", "numpy", "scipy"],
            check=True,
        )
    return venv, python


def girth_cycles(girth_data):
    """girth's number of cycles on the data (untimed run): `fminbound` is called
    once per item and cycle."""
    import importlib

    from girth import twopl_mml

    module = importlib.import_module("girth.unidimensional.polytomous.grm_mml")
    original = module.fminbound
    calls = [0]

    def counted(*args, **kwargs):
        calls[0] += 1
        return original(*args, **kwargs)

    module.fminbound = counted
    try:
        twopl_mml(girth_data)
    finally:
        module.fminbound = original
    return calls[0] // girth_data.shape[0]


def main():
    args = sys.argv[1:]
    runs = 5
    if "--runs" in args:
        i = args.index("--runs")
        runs = int(args[i + 1])
        del args[i : i + 2]
    root = os.path.abspath(args[0] if args else ".")
    venv, python = ensure_venv(root)
    if os.path.realpath(sys.prefix) != os.path.realpath(venv) and not os.environ.get("GIRTH_COMPARE_CHILD"):
        env = dict(os.environ, GIRTH_COMPARE_CHILD="1")
        cmd = [python, os.path.abspath(__file__), root, "--runs", str(runs)]
        sys.exit(subprocess.run(cmd, env=env).returncode)

    import numpy as np
    from girth import twopl_mml
    from girth.synthetic import create_synthetic_irt_dichotomous

    persons, items = 2000, 60
    rng = np.random.default_rng(20240601)
    a = rng.uniform(0.8, 1.8, items)
    b = rng.uniform(-2.0, 2.0, items)
    theta = rng.normal(0.0, 1.0, persons)
    data = create_synthetic_irt_dichotomous(b, a, theta, seed=7)  # items x persons

    work = os.path.join(root, "target", "bench-calibrate")
    os.makedirs(work, exist_ok=True)
    responses = os.path.join(work, "responses.csv")
    truth = os.path.join(work, "truth.csv")
    np.savetxt(responses, data.T.astype(int), fmt="%d", delimiter=",")
    np.savetxt(truth, np.column_stack([a, b]), fmt="%.10f", delimiter=",")

    subprocess.run(
        ["cargo", "build", "--quiet", "--release", "-p", "repere-engine", "--example", "calibrate_bench"],
        cwd=root,
        check=True,
    )
    exe = os.path.join(root, "target", "release", "examples", "calibrate_bench")
    load_before = os.getloadavg()

    # girth reads the same file back, so both fit identical data.
    girth_data = np.loadtxt(responses, delimiter=",", dtype=int).T
    g_cycles = girth_cycles(girth_data)

    def ours(*extra, plain=False, headline_only=False):
        env = dict(os.environ, CALIBRATE_BENCH_THREADS="1")
        for k in ("CALIBRATE_BENCH_PLAIN", "CALIBRATE_BENCH_HEADLINE_ONLY", "CALIBRATE_BENCH_POINTS"):
            env.pop(k, None)
        if plain:
            env["CALIBRATE_BENCH_PLAIN"] = "1"
        if headline_only:
            env["CALIBRATE_BENCH_HEADLINE_ONLY"] = "1"
        out = subprocess.run(
            [exe, responses, truth, "5", *extra],
            check=True,
            capture_output=True,
            text=True,
            env=env,
        )
        return json.loads(out.stdout)

    # Rounds alternate girth and Repère so that both see the same load; each
    # figure (and each ratio) is the median over the rounds.
    girth_times, sames, stricts, plains = [], [], [], []
    for _ in range(runs):
        t = time.perf_counter()
        result = twopl_mml(girth_data)
        girth_times.append(time.perf_counter() - t)
        sames.append(ours("1e-3"))
        stricts.append(ours())
        plains.append(ours("1e-3", plain=True, headline_only=True))
    load_after = os.getloadavg()
    girth_time = statistics.median(girth_times)
    g_rmse_a = float(np.sqrt(np.mean((result["Discrimination"] - a) ** 2)))
    g_rmse_b = float(np.sqrt(np.mean((result["Difficulty"] - b) ** 2)))

    def median_of(rs, key):
        return statistics.median(r[key] for r in rs)

    def median_ratio(rs, key):
        return statistics.median(g / r[key] for g, r in zip(girth_times, rs))

    same, strict, plain = sames[-1], stricts[-1], plains[-1]

    def rmse_ok(r):
        return r["rmse_a"] <= g_rmse_a + 0.005 and r["rmse_b"] <= g_rmse_b + 0.005

    print(f"calibration, complete 2PL, {persons} persons x {items} items (seeded, same CSV), one thread each,")
    print(f"medians of {runs} rounds alternating girth (1 fit) and repere (median of 5 fits per figure):")
    print(
        f"  girth {GIRTH_VERSION} twopl_mml            : {girth_time:7.3f} s                        "
        f"RMSE a {g_rmse_a:.4f}  b {g_rmse_b:.4f}   ({g_cycles} cycles, stops at max|da| < 1e-3)"
    )
    rows = [
        ("repere, girth's rule, estimates", sames, "seconds", same, True),
        ("repere, girth's rule, + SEs", sames, "seconds_se", same, False),
        ("repere, girth's rule, + SEs + fit", sames, "seconds_full", same, False),
        ("repere, default rule, estimates", stricts, "seconds", strict, False),
        ("repere, default rule, + SEs + fit", stricts, "seconds_full", strict, False),
        ("repere, plain EM, girth's rule, est.", plains, "seconds", None, False),
    ]
    summary = {}
    for name, rs, key, r, headline in rows:
        seconds, ratio = median_of(rs, key), median_ratio(rs, key)
        summary[name] = {"seconds": seconds, "ratio": ratio}
        if r is not None:
            detail = (
                f"RMSE a {r['rmse_a']:.4f}  b {r['rmse_b']:.4f}   "
                f"({r['e_steps']} E-steps, {r['acceleration']}, tol {r['tolerance']:g})"
            )
        else:
            detail = f"({plain['e_steps']} E-steps, no acceleration)"
        verdict = ""
        if headline:
            verdict = "OK" if ratio >= 20 and rmse_ok(r) else "BELOW TARGET"
        print(f"  {name:38s}: {seconds:7.3f} s  ratio {ratio:6.1f}x {verdict:12s} {detail}")
    print(
        "  load average before/after: "
        + " ".join(f"{v:.2f}" for v in load_before)
        + " / "
        + " ".join(f"{v:.2f}" for v in load_after)
        + f" on {os.cpu_count()} cores"
    )
    print("  target: headline (estimates, girth's rule) >= 20x faster than girth at equal or better RMSE")

    # Where EM crawls: the sparse adaptive design of the recovery test (no girth
    # figure: girth's twopl_mml is not meant for data this sparse).
    adaptive = {}
    for name, plain_em in (("SQUAREM", False), ("plain EM", True)):
        env = dict(os.environ, CALIBRATE_BENCH_THREADS="1", CALIBRATE_BENCH_HEADLINE_ONLY="1")
        env.pop("CALIBRATE_BENCH_PLAIN", None)
        if plain_em:
            env["CALIBRATE_BENCH_PLAIN"] = "1"
        out = subprocess.run([exe, "--adaptive", "3"], check=True, capture_output=True, text=True, env=env)
        adaptive[name] = json.loads(out.stdout)
    sq, pe = adaptive["SQUAREM"], adaptive["plain EM"]
    print(
        "sparse adaptive design, 20,000 persons x 15 of 150 items, default rule, estimates, one thread:\n"
        f"  SQUAREM {sq['seconds']:.3f} s ({sq['e_steps']} E-steps), plain EM {pe['seconds']:.3f} s "
        f"({pe['e_steps']} E-steps): {pe['seconds'] / sq['seconds']:.1f}x (median of 3 each)"
    )
    print(
        "BENCH_JSON "
        + json.dumps(
            {
                "girth_seconds": girth_time,
                "girth_times": girth_times,
                "girth_rmse_a": g_rmse_a,
                "girth_rmse_b": g_rmse_b,
                "girth_cycles": g_cycles,
                "rows": summary,
                "girth_rule": same,
                "default_rule": strict,
                "plain_em_e_steps": plain["e_steps"],
                "adaptive": adaptive,
                "load_before": load_before,
                "load_after": load_after,
            }
        )
    )


if __name__ == "__main__":
    main()
