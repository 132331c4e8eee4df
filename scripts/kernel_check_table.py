"""Writes notebooks/kernel-check.md from the runs of scripts/kernel-check.sh: the same steps 3-4 under each
OpenBLAS kernel, and how far apart their numbers land. Usage: kernel_check_table.py <run folder>... (the first
run is the reference). Every sentence is computed from the runs' numbers."""
import json
import os
import sys

HEADS = ["complete", "long", "rewatch", "neg"]


def load(folder):
    results = json.load(open(os.path.join(folder, "step3", "results.json")))
    estimate = json.load(open(os.path.join(folder, "step4", "estimate.json")))
    kernel = os.path.basename(folder.rstrip("/")).removeprefix("kernel-")
    return kernel, results, estimate


def main(folders):
    runs = [load(f) for f in folders]
    ref_kernel, ref, ref_est = runs[0]
    out = ["# Does the BLAS kernel move the numbers?", ""]
    out.append(
        f"Steps 3 and 4 on the data of `make notebooks`, once per OpenBLAS kernel ({', '.join(k for k, _, _ in runs)}; "
        "`OPENBLAS_CORETYPE` set for each run), one run of step 3's chosen GNN each (`--head-seeds 1`), same seeds and "
        f"thread count ({ref['settings']['threads']}). Kernels sum in different orders, so Float32 results can differ in "
        f"their last bits and training trajectories can drift from there. Reference: {ref_kernel}. "
        "Made by `make kernel-check` (after `make notebooks`)."
    )
    out += ["", "## Test AUC per model", ""]
    header = "| model | " + " | ".join(f"{k} mean AUC" for k, _, _ in runs) + " | max \\|Δ\\| over heads | best step |"
    out += [header, "|---|" + "---:|" * (len(runs) + 2)]
    worst = 0.0
    for i, model in enumerate(ref["models"]):
        cells = [model["displayName"]]
        deltas = []
        steps = []
        for _, results, _ in runs:
            other = results["models"][i]
            cells.append(f"{other['test']['mean']:.4f}")
            deltas += [abs(a - b) for a, b in zip(other["test"]["perHead"], model["test"]["perHead"])]
            run = other.get("run") or {}
            steps.append(str(run.get("bestStep", "—")))
        worst = max(worst, max(deltas))
        cells += [f"{max(deltas):.1e}", " / ".join(steps)]
        out.append("| " + " | ".join(cells) + " |")
    choices = [results["bestGNN"] for _, results, _ in runs]
    out += ["", "## Step 4's headline", ""]
    out += ["| kernel | GNN step 4 scores with | ŵ (" + ", ".join(HEADS) + ") | max \\|Δŵ\\| against " + ref_kernel + " |",
            "|---|---|---|---:|"]
    ref_w = ref_est["headline"]["weights"]
    worst_w = 0.0
    for (kernel, results, est) in runs:
        w = est["headline"]["weights"]
        d = max(abs(a - b) for a, b in zip(w, ref_w))
        worst_w = max(worst_w, d)
        out.append(f"| {kernel} | {results['bestGNN']} | ({', '.join(f'{x:.3f}' for x in w)}) | {d:.4f} |")
    out += [""]
    same_choice = len(set(choices)) == 1
    out.append(
        f"- The largest test-AUC difference between kernels, over every model and head: {worst:.1e}"
        + (" (none: the runs are identical)." if worst == 0 else ".")
    )
    out.append(
        "- Step 3 chose the same GNN for step 4 under every kernel." if same_choice
        else f"- Step 3 chose different GNNs ({', '.join(choices)}): the choice is within the kernels' noise."
    )
    out.append(f"- The headline ŵ moves by at most {worst_w:.4f} between kernels.")
    print("\n".join(out))


if __name__ == "__main__":
    main(sys.argv[1:])
