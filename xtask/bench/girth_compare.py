#!/usr/bin/env python3
"""Calibration benchmark: Repère's EM (engine, Rust) against girth's MML (Python).

One complete 2PL data set (2,000 persons x 60 items, seeded) is written to CSV
files that both programs read. girth's `twopl_mml` and Repère's `calibrate`
(through the `calibrate_bench` example of the engine, timing only the fit) run on
it; the script prints both times, their ratio, and both RMSEs of a and b against
the true parameters. Target: Repère at least 20x faster at equal or better RMSE.

Usage: girth_compare.py REPO_ROOT   (run by `cargo xtask bench`; it installs
girth into .tools/venv-bench when missing).
"""

import json
import os
import subprocess
import sys
import time


def ensure_venv(root):
    venv = os.path.join(root, ".tools", "venv-bench")
    python = os.path.join(venv, "bin", "python")
    if not os.path.exists(python):
        subprocess.run([sys.executable, "-m", "venv", venv], check=True)
    try:
        subprocess.run([python, "-c", "import girth, numpy, scipy"], check=True, capture_output=True)
    except subprocess.CalledProcessError:
        subprocess.run([python, "-m", "pip", "install", "--quiet", "girth", "numpy", "scipy"], check=True)
    return venv, python


def main():
    root = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else ".")
    venv, python = ensure_venv(root)
    if os.path.realpath(sys.prefix) != os.path.realpath(venv) and not os.environ.get("GIRTH_COMPARE_CHILD"):
        env = dict(os.environ, GIRTH_COMPARE_CHILD="1")
        sys.exit(subprocess.run([python, os.path.abspath(__file__), root], env=env).returncode)

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

    # girth reads the same file back, so both fit identical data.
    girth_data = np.loadtxt(responses, delimiter=",", dtype=int).T
    girth_times = []
    for _ in range(3):
        t = time.perf_counter()
        result = twopl_mml(girth_data)
        girth_times.append(time.perf_counter() - t)
    girth_time = sorted(girth_times)[1]
    g_rmse_a = float(np.sqrt(np.mean((result["Discrimination"] - a) ** 2)))
    g_rmse_b = float(np.sqrt(np.mean((result["Difficulty"] - b) ** 2)))

    subprocess.run(
        ["cargo", "build", "--quiet", "--release", "-p", "repere-engine", "--example", "calibrate_bench"],
        cwd=root,
        check=True,
    )
    exe = os.path.join(root, "target", "release", "examples", "calibrate_bench")

    def ours(*extra):
        out = subprocess.run([exe, responses, truth, "7", *extra], check=True, capture_output=True, text=True)
        return json.loads(out.stdout)

    # Like for like: girth stops when no discrimination moves by more than 1e-3.
    same = ours("1e-3")
    strict = ours()

    print(f"calibration, complete 2PL, {persons} persons x {items} items (seeded, same CSV):")
    print(f"  girth twopl_mml          : {girth_time:7.3f} s   RMSE a {g_rmse_a:.4f}  b {g_rmse_b:.4f}   (median of 3; stops at max|da| < 1e-3)")
    for name, r in (("repere, girth's criterion", same), ("repere, default 1e-4    ", strict)):
        ratio = girth_time / r["seconds"] if r["seconds"] > 0 else float("inf")
        ok = ratio >= 20 and r["rmse_a"] <= g_rmse_a + 0.005 and r["rmse_b"] <= g_rmse_b + 0.005
        print(
            f"  {name}: {r['seconds']:7.3f} s   RMSE a {r['rmse_a']:.4f}  b {r['rmse_b']:.4f}"
            f"   ratio {ratio:5.1f}x {'OK' if ok else 'BELOW TARGET'}"
            f"   (median of {r['runs']}, {r['iterations']} EM cycles, SEs and item fit included)"
        )
    print("  target: repere >= 20x faster than girth at equal or better RMSE")


if __name__ == "__main__":
    main()
