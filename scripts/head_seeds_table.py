"""notebooks/head-seeds.md from the runs of scripts/head-seeds.sh (each folder's step4/estimate.json and
step3/manifest.json): the headline of each run with its sessions-only interval and with the interval that adds
the heads' training randomness, and whether the runs' intervals overlap. Every sentence is computed here."""
import json
import sys

HEADS = ["complete", "long", "rewatch", "neg"]


def load(folder):
    with open(f"{folder}/step4/estimate.json") as f:
        estimate = json.load(f)
    with open(f"{folder}/step3/manifest.json") as f:
        seed = json.load(f)["options"]["seed"]
    return folder, seed, estimate


def fmt(v):
    return "(" + ", ".join(f"{x:.3f}" for x in v) + ")"


def interval(w, half):
    return [(a - h, a + h) for a, h in zip(w, half)]


def overlaps(a, b):
    return [max(x[0], y[0]) <= min(x[1], y[1]) for x, y in zip(a, b)]


def cells(bounds):
    return ", ".join(f"[{lo:.3f}, {hi:.3f}]" for lo, hi in bounds)


def main(folders):
    runs = [load(f) for f in folders]
    out = []
    say = out.append
    say("# The heads' own uncertainty in step 4's headline interval\n")
    say("Written by `make head-seeds` (`scripts/head-seeds.sh`, then `scripts/head_seeds_table.py`): steps 3 and 4 run "
        f"{len(runs)} times on the data of `make notebooks`, differing only in step 3's `--seed`, each training the GNN step 4 "
        "scores with five times (`3-training --head-seeds 5`: four more seeds, each for the steps whose weights the main run kept). "
        "Step 4 averages the five runs' heads; its headline interval is ŵ ± 1.96 √(s.e.² + sd²/5), with s.e. over sessions "
        "(heads held fixed) and sd the spread of the five members' own headlines. Each run's notebooks and artifacts are in its folder.\n")
    truth = runs[0][2].get("plantedWeights")
    rows = []
    single, both = [], []
    for folder, seed, e in runs:
        h = e["headline"]
        members = h.get("members") or []
        main_member = members[0] if members else {"weights": h["weights"], "standardErrors": h["standardErrors"]}
        single_bounds = interval(main_member["weights"], [1.96 * s for s in main_member["standardErrors"]])
        both_bounds = list(zip(h["lower"], h["upper"]))
        single.append(single_bounds)
        both.append(both_bounds)
        err = f"{max(abs(a - b) for a, b in zip(h['weights'], truth)):.3f}" if truth else "—"
        rows.append(f"| {seed} | `{folder}` | {len(members)} | {fmt(main_member['weights'])} | {cells(single_bounds)} | "
                    f"{fmt(h['weights'])} | {cells(both_bounds)} | {err} |")
    say("| step-3 seed | folder | GNN runs | main run alone: ŵ | its interval (sessions only) | mean of the runs' heads: ŵ | "
        "headline interval (sessions + heads' seeds) | max \\|ŵ − w*\\| |")
    say("|---|---|---:|---|---|---|---|---:|")
    out.extend(rows)
    say("")
    if truth:
        say(f"Planted w* = {fmt(truth)} (complete, long, rewatch, neg).\n")
    if len(runs) >= 2:
        a, b = runs[0][1], runs[1][1]
        lone = overlaps(single[0], single[1])
        joint = overlaps(both[0], both[1])
        def heads(flags, value):
            names = [n for n, f in zip(HEADS, flags) if f == value]
            return ", ".join(names) if names else "none"
        say(f"- **Sessions only** (each run's main GNN alone, as `3-training --head-seeds 1` would train it): the intervals of seeds {a} and {b} overlap "
            f"for {sum(lone)} of 4 heads (disjoint: {heads(lone, False)}).")
        say(f"- **Sessions and the heads' seeds** (five GNNs per run): they overlap for {sum(joint)} of 4 heads "
            f"(disjoint: {heads(joint, False)}).")
        for folder, seed, e in runs:
            h = e["headline"]
            spread, se = h.get("seedSpread"), h["standardErrors"]
            if spread:
                dominated = [n for n, sd, s in zip(HEADS, spread, se) if sd / 5 ** 0.5 > s]
                say(f"- Seed {seed}: the members' headlines differ by a standard deviation of {fmt(spread)}, against session "
                    f"standard errors of {fmt(se)}; the heads' randomness (sd/√5) dominates for "
                    f"{', '.join(dominated) if dominated else 'no head'}.")
            if truth:
                covered = [n for n, (lo, hi), t in zip(HEADS, zip(h["lower"], h["upper"]), truth) if lo <= t <= hi]
                say(f"- Seed {seed}: the headline interval covers w* for {len(covered)} of 4 heads"
                    f"{' (' + ', '.join(covered) + ')' if covered else ''}"
                    + ("." if len(covered) == 4 else "; an interval over sessions and seeds measures variability, not the "
                       "bias every member shares (notebook 4, section 6, measures which head causes it)."))
    print("\n".join(out))


if __name__ == "__main__":
    main(sys.argv[1:])
