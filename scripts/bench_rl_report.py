#!/usr/bin/env python3
"""Step 6's A2C training throughput for notebooks/benchmarks.md, from `bench rl`'s JSON lines (data/bench/rl.jsonl).

bench_report.py imports `target_row` and `section`. Run alone, it prints the section of one measurement, to check
the rendering on a small one:

  .build/release/bench rl --users 50 --items 200 --steps 2000 --warmup 0 --epochs 2 > /tmp/rl.jsonl
  scripts/bench_rl_report.py /tmp/rl.jsonl
"""
import json
import statistics
import sys

TARGET_S = 2.0   # one 100,000-step epoch in at most 2 s on 2 cores
PHASES = [("rollout_states", "rollout: states"), ("rollout_forward", "rollout: trunk (and .table's logits)"),
          ("rollout_sampling", "rollout: logits, masked softmax, sampling"), ("rollout_environment", "rollout: environment"),
          ("advantages", "advantages (GAE) and shuffle"), ("update_gather", "update: gather"),
          ("update_forward", "update: trunk (and .table's logits)"), ("update_loss", "update: logits, softmax, loss gradient"),
          ("update_backward", "update: backward"), ("adam", "Adam"), ("other", "other")]


def read(path):
    try:
        return [json.loads(line) for line in open(path) if line.strip().startswith("{")]
    except FileNotFoundError:
        return []


def per_100k(record):
    """Seconds per 100,000 steps of each timed epoch (an epoch ends after the rollout that passes its step count)."""
    return sorted(s * 100_000 / n for s, n in zip(record["epoch_s_all"], record["steps_all"]))


def spread(values, digits=2):
    if not values:
        return "–"
    if len(values) == 1:
        return f"{values[0]:.{digits}f} (1 epoch)"
    return f"{statistics.median(values):.{digits}f} [{min(values):.{digits}f}–{max(values):.{digits}f}], n={len(values)}"


def scorer(record):
    return record.get("model", "?").removeprefix("a2c-")


def target_row(records):
    """The targets table's row: step 6's scorer (.itemFeatures) against 2 s per 100,000 steps, or None."""
    r = next((r for r in records if scorer(r) == "itemFeatures"), None)
    if not r:
        return None
    seconds = statistics.median(per_100k(r))
    verdict = "met" if seconds <= TARGET_S else f"**missed** ({seconds / TARGET_S:.1f}x the target)"
    return [f"one 100,000-step A2C epoch at {r['users']:,} x {r['items']:,} in ≤ {TARGET_S:g} s on {r['threads']} threads "
            "(step 6's scorer)",
            f"s per 100,000 steps: {spread(per_100k(r))}; load average {r.get('loadavg_at_start', ['?'])[0]} → "
            f"{r.get('loadavg_at_end', ['?'])[0]}", verdict]


def section(records, peak_gflops=None):
    """The notebook's section, as a list of Markdown lines."""
    lines = ["## Step 6: A2C training throughput", ""]
    if not records:
        return lines + ["*Not measured in this run* (no `rl.jsonl`).", ""]
    r0 = records[0]
    lines += [f"`bench rl`: A2C epochs of {r0['steps_per_epoch']:,} environment steps in a synthetic user model of "
              f"{r0['users']:,} users x {r0['items']:,} items ("
              + ("the size of KuaiRec's small matrix; " if (r0["users"], r0["items"]) == (1411, 3327) else "")
              + f"seeded random reward, uncertainty and head tables, {r0['feature_width']} item features as step 6 has, 31 "
              f"tags), DORL's settings: {r0['environments']} sessions "
              f"side by side, MLP {r0['hidden_width']}-{r0['hidden_width']}, softmax over every item not yet shown, one value head, "
              f"Adam 1e-3, γ 0.9, minibatches of {r0['minibatch_size']:,}; the published exit rule (window 4, threshold 0, 30 "
              "turns) and MOPO's reward. After "
              f"{r0['warmup']} untimed epoch(s), each timed epoch is reported as seconds per 100,000 steps (an epoch ends with the "
              "rollout that passes its step count). Step 6 trains the `itemFeatures` scorer (logits f(state) W x_j, computed as "
              "one query per state and d multiply-adds per item); `table` is DORL's own actor (a logit per item from a "
              "64 → items layer, a GEMM of 64 per item). The target: ≤ 2 s per 100,000 steps on 2 cores; "
              "DORL-codes' published DORL log on KuaiRec (`[DORL]_2023_01_18-17_45_45.log`) has its epochs (100,000 steps and an "
              "evaluation, on a GPU) 46-58 s apart.", ""]
    rows = []
    for r in records:
        cpu = r.get("epoch_cpu_s_all", [])
        cpu_100k = sorted(c * 100_000 / n for c, n in zip(cpu, r["steps_all"]))
        seconds = statistics.median(per_100k(r))
        rows.append([scorer(r), r["threads"], spread(per_100k(r)), f"{100_000 / seconds:,.0f}", spread(cpu_100k),
                     f"{r['mean_length']:.1f}", f"{r.get('loadavg_at_start', ['?'])[0]} → {r.get('loadavg_at_end', ['?'])[0]}",
                     "met" if seconds <= TARGET_S else f"missed ({seconds / TARGET_S:.1f}x)"])
    lines += table(["scorer", "threads", "s per 100k steps", "steps/s", "CPU s per 100k steps (all threads)",
                    "mean session length", "load average (1 min) start → end", f"≤ {TARGET_S:g} s"], rows)
    lines += ["Where an epoch's time goes (wall seconds per epoch, mean over the timed epochs; the trainer's own phase clock):", ""]
    rows = []
    for key, label in PHASES:
        row = [label]
        for r in records:
            total = statistics.mean(r["epoch_s_all"])
            value = r.get(f"phase_{key}_s", 0)
            row.append(f"{value:.3f} ({value / total:.0%})")
        rows.append(row)
    lines += table(["phase"] + [scorer(r) for r in records], rows)
    # Arithmetic of the item products, against the measured sgemm peak.
    notes = []
    for r in records:
        steps, items, h, d = statistics.mean(r["steps_all"]), r["items"], r["hidden_width"], r["feature_width"]
        width = d if scorer(r) == "itemFeatures" else h
        products = 3 if scorer(r) == "itemFeatures" else 4   # rollout logits, update logits, backward (1 or 2 products)
        flop = 2 * products * steps * items * width * 100_000 / steps
        note = (f"`{scorer(r)}`: {products} products of {width} multiply-adds per (step, item), {flop / 1e9:.0f} GFLOP per "
                f"100,000 steps, and {2 * items * 100_000 / 1e6:,.0f} M exponentials (rollout and update)")
        if peak_gflops:
            floor = flop / (peak_gflops * 1e9)
            note += (f"; at this machine's sgemm peak ({peak_gflops:.0f} GFLOP/s, `bench hw`) the products alone take "
                     f"{floor:.2f} s, {'more' if floor > TARGET_S else 'less'} than the target")
        notes.append(note)
    lines += ["Floor: " + "; ".join(notes) + ".", ""]
    return lines


def table(header, rows):
    out = ["| " + " | ".join(str(h) for h in header) + " |",
           "|" + "|".join("---" if i == 0 else "---:" for i in range(len(header))) + "|"]
    out += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return out + [""]


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    records = read(sys.argv[1])
    row = target_row(records)
    if row:
        print("\n".join(table(["target", "measured", "verdict"], [row])))
    print("\n".join(section(records)))
