#!/usr/bin/env python3
"""Side-by-side benchmark: catsim (Python) and `repere simulate` on the same CAT.

Both run the same 500-item 3PL bank (written to a JSON file both read), the same
design: start at theta = 0, maximum Fisher information, maximum likelihood (catsim's
NumericalSearchEstimator, bounded search on [-6, 6], Dodd's heuristic for constant
patterns; repere's bounded MLE on [-6, 6] with the same Dodd step), stop when
SE < 0.3 or after 30 items, examinees' theta drawn from N(0, 1).

catsim runs a number of examinees bounded in time; repere runs many more. The script
prints the time per examinee of each, their ratio and both RMSEs. Targets: repere at
least 200x faster per examinee (single thread), RMSE within 0.02 of catsim's.

Run by `cargo xtask bench` with the venv .tools/venv-bench (catsim from PyPI):
    catsim_compare.py --repere target/release/repere --out bench-out
"""

import argparse
import json
import os
import random
import subprocess
import sys
import time

import numpy

import catsim
from catsim.estimation import NumericalSearchEstimator
from catsim.initialization import FixedPointInitializer
from catsim.item_bank import ItemBank
from catsim.selection import MaxInfoSelector
from catsim.simulation import Simulator
from catsim.stopping import MinErrorStopper

BANK_ITEMS = 500
STOP_SE = 0.3
MAX_ITEMS = 30


def make_bank(path):
    """A 3PL bank: a ~ U(0.6, 2.2), b ~ U(-3, 3), c ~ U(0, 0.25), fixed seed."""
    rng = random.Random(20240501)
    bank = [
        {
            "a": round(rng.uniform(0.6, 2.2), 4),
            "b": round(rng.uniform(-3.0, 3.0), 4),
            "c": round(rng.uniform(0.0, 0.25), 4),
        }
        for _ in range(BANK_ITEMS)
    ]
    with open(path, "w", encoding="utf-8") as f:
        json.dump(bank, f)
    return bank


def run_catsim(bank, examinees, seed):
    items = numpy.array([[it["a"], it["b"], it["c"], 1.0] for it in bank])
    thetas = numpy.random.default_rng(seed).normal(0.0, 1.0, examinees)
    sim = Simulator(ItemBank(items), thetas, seed=seed)
    started = time.perf_counter()
    sim.simulate(
        FixedPointInitializer(0.0),
        MaxInfoSelector(),
        NumericalSearchEstimator(),
        MinErrorStopper(STOP_SE, max_items=MAX_ITEMS),
    )
    seconds = time.perf_counter() - started
    lengths = [len(a) for a in sim.administered_items]
    return {
        "examinees": examinees,
        "seconds": seconds,
        "us_per_examinee": seconds * 1e6 / examinees,
        "rmse": float(sim.rmse),
        "bias": float(sim.bias),
        "mean_length": sum(lengths) / len(lengths),
    }


def run_repere(repere, bank_path, examinees, seed, threads):
    cmd = [
        repere, "simulate", "--bank", bank_path, "--examinees", str(examinees),
        "--seed", str(seed), "--select", "mfi", "--estimate", "mle",
        "--stop-se", str(STOP_SE), "--max-items", str(MAX_ITEMS), "--json",
        "--threads", str(threads),
    ]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repere", required=True, help="path of the repere binary")
    parser.add_argument("--out", default="bench-out", help="folder for the bank file")
    parser.add_argument("--catsim-budget", type=float, default=60.0,
                        help="seconds allowed for catsim (sets its examinee count)")
    parser.add_argument("--repere-examinees", type=int, default=20000)
    args = parser.parse_args()

    os.makedirs(args.out, exist_ok=True)
    bank_path = os.path.join(args.out, "catsim_bank.json")
    bank = make_bank(bank_path)
    print(f"bank: {bank_path} ({BANK_ITEMS} 3PL items); catsim {catsim.__version__ if hasattr(catsim, '__version__') else '(version unknown)'}, "
          f"numpy {numpy.__version__}, Python {sys.version.split()[0]}")
    print(f"design: start 0, MFI, MLE (Dodd for constant patterns), stop SE < {STOP_SE} "
          f"or {MAX_ITEMS} items, theta ~ N(0, 1)")

    # A short catsim run sizes the timed one to the budget (200..1000 examinees).
    probe = run_catsim(bank, 20, seed=7)
    n = int(args.catsim_budget / max(probe["seconds"] / 20, 1e-6))
    n = max(200, min(1000, n))
    c = run_catsim(bank, n, seed=1)
    r1 = run_repere(args.repere, bank_path, args.repere_examinees, 1, threads=1)
    rn = run_repere(args.repere, bank_path, args.repere_examinees, 1, threads=os.cpu_count() or 1)

    print()
    print(f"{'':24}{'examinees':>10}{'seconds':>10}{'µs/examinee':>14}{'RMSE':>9}{'bias':>9}{'length':>8}")
    print(f"{'catsim':24}{c['examinees']:>10}{c['seconds']:>10.2f}{c['us_per_examinee']:>14.1f}"
          f"{c['rmse']:>9.4f}{c['bias']:>+9.4f}{c['mean_length']:>8.2f}")
    for label, r in [("repere (1 thread)", r1), (f"repere ({rn['threads']} threads)", rn)]:
        print(f"{label:24}{r['examinees']:>10}{r['seconds']:>10.3f}{r['us_per_examinee']:>14.2f}"
              f"{r['rmse']:>9.4f}{r['bias']:>+9.4f}{r['mean_length']:>8.2f}")
    ratio = c["us_per_examinee"] / r1["us_per_examinee"]
    drmse = r1["rmse"] - c["rmse"]
    # Sampling error of catsim's RMSE alone is about rmse/sqrt(2n).
    noise = c["rmse"] / (2 * c["examinees"]) ** 0.5
    print()
    print(f"speed: repere is {ratio:,.0f}x faster per examinee on one thread "
          f"(target >= 200x): {'met' if ratio >= 200 else 'NOT met'}")
    print(f"RMSE: repere - catsim = {drmse:+.4f} (target within 0.02; catsim's own sampling "
          f"error about {noise:.3f}): {'met' if abs(drmse) <= 0.02 else 'NOT met'}")


if __name__ == "__main__":
    main()
