"""Formats the measurements of scripts/bench.sh as notebooks/benchmarks.md (run by `make bench`)."""
import json, os, platform, subprocess, sys

work = sys.argv[1]
def timed(name):
    seconds, kib = open(os.path.join(work, name + ".time")).read().split()
    return float(seconds), int(kib) / 1024.0

swift1, swift1_rss = timed("swift-step1")
swift2, swift2_rss = timed("swift-step2")
pandas_total, pandas_rss = timed("pandas")
stages = json.load(open(os.path.join(work, "reference", "timings.json")))
nb1 = sum(v for k, v in stages.items() if k.startswith("nb1:") and "write" not in k)
nb1_write = sum(v for k, v in stages.items() if k.startswith("nb1:") and "write" in k)
nb2 = sum(v for k, v in stages.items() if k.startswith("nb2:"))
rows = sum(1 for _ in open(os.path.join(work, "raw", "big_matrix.csv"), "rb")) - 1
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.processor())
swift_version = subprocess.run(["swift", "--version"], capture_output=True, text=True).stdout.splitlines()[0]
import pandas, numpy

print("# Benchmarks — this pipeline against the original's pandas code\n")
print(f"Same synthetic KuaiRec files (`{work}/raw`, {rows:,} interactions in big_matrix.csv), same machine, "
      f"run back to back by `make bench`. One run each (the pandas side takes minutes); timings move by a few percent between runs.\n")
print(f"Machine: {cpu}, {os.cpu_count()} cores. {swift_version}; pandas {pandas.__version__}, numpy {numpy.__version__}.\n")
print("| | this pipeline (Swift) | pandas reference | speed-up |")
print("|---|---:|---:|---:|")
print(f"| step 1: CSV -> 80 feature columns (s) | {swift1:.1f} | {nb1:.1f} | {nb1 / swift1:.1f}x |")
print(f"| step 1 throughput (interactions/s) | {rows / swift1:,.0f} | {rows / nb1:,.0f} | |")
print(f"| step 1 including writing the output (s) | {swift1:.1f} (.npy columns) | {nb1 + nb1_write:.1f} (parquet) | {(nb1 + nb1_write) / swift1:.1f}x |")
print(f"| step 2: edge table, split, written (s) | {swift2:.1f} | {nb2:.1f} | {nb2 / swift2:.1f}x |")
print(f"| peak resident memory (MiB) | step 1: {swift1_rss:,.0f}; step 2: {swift2_rss:,.0f} | {pandas_rss:,.0f} (both notebooks, one process) | |")
print()
load = open(os.path.join(work, "load.txt")).read().strip() if os.path.exists(os.path.join(work, "load.txt")) else "not recorded"
print(f"Load average at the start and end of the run: {load}. On a 2-core machine shared with other work both sides slow down; compare ratios from one run only.\n")
print("The Swift times are whole processes (reading the CSV files, computing, writing every `.npy` artifact, rendering "
      "the notebook's figures). The pandas times are the reference's own stage timings without its parquet/CSV export "
      f"(its whole process, with parquet writing, took {pandas_total:.1f} s). Step 2 on both sides includes reading step 1's output and writing its own "
      "(Swift: the 3.4 GB float32 edge matrix, labels, splits, tiny graph; pandas: npz, parquet and index files; the pandas side does not build the tiny graph or the standardisation). Targets (issue 2): at least 10x faster "
      "than pandas for step 1 and under 6 GB peak memory at full size.\n")
print("Stage timings of the pandas reference (s):\n")
print("| stage | seconds |\n|---|---:|")
for k, v in stages.items():
    print(f"| {k} | {v} |")

learning = os.path.join(work, "learning.jsonl")
if os.path.exists(learning):
    runs = [json.loads(l) for l in open(learning) if l.strip().startswith("{")]
    print("\n## The learning engine against PyTorch + PyTorch Geometric (CPU, 2 threads each)\n")
    print("Graphs of the original's shapes (17,904 nodes, 12,527,912 edges, 64 features, 4 heads; power-law degrees), "
          "built by each side's own generator: `bench` (Swift) and `../shared/bench/pyg_reference.py`. One training step = "
          "full-graph propagation through 3 GCN layers + a batch of 4,096 edges + Adam.\n")
    learning_load = os.path.join(work, "learning-load.txt")
    if os.path.exists(learning_load):
        print(f"Load average during these runs: {open(learning_load).read().strip()}.\n")
    print("| model | quantity | Swift | PyTorch + PyG | speed-up |\n|---|---|---:|---:|---:|")
    for model in ("gnn64", "mlp"):
        swift = next((r for r in runs if r.get("implementation") == "swift" and r.get("model") == model), None)
        torch_run = next((r for r in runs if r.get("implementation") != "swift" and r.get("model") == model), None)
        if not swift or not torch_run:
            continue
        for key, label in (("step_s_median", "training step (s, median)"), ("eval_forward_s", "forward over the validation split (s)"),
                           ("peak_rss_mb", "peak resident memory (MB)")):
            a, b = swift.get(key), torch_run.get(key)
            if isinstance(a, (int, float)) and isinstance(b, (int, float)):
                ratio = f"{b / a:.1f}x" if a > 0 and key != "peak_rss_mb" else ""
                print(f"| {model} | {label} | {a:.3g} | {b:.3g} | {ratio} |")
    for r in runs:
        if r.get("implementation") == "swift":
            print(f"| {r['model']} | scoring 1,000,000 edges, node encoding included (s) | {r['score_1m_edges_s']:.3g} | | |")
    print("\nOn the GNN step the target was at least 10x PyTorch + PyG's CPU throughput (met) and within 5x of PyG on an H100 "
          "(~0.1 s per full-size step; not met: about 0.9 s on a quiet machine here, i.e. ~9x). Where the time goes: three "
          "sparse propagations forward and three transposed ones backward over 12.5M edges (CSR, ~0.13 s each at H = 64), "
          "plus the batch MLP; a dense [videos x users] GEMM was measured too and loses at 16% fill for H = 64.")
    auc = next((r for r in runs if r.get("model") == "auc"), None)
    swift_gnn = next((r for r in runs if r.get("implementation") == "swift" and r.get("model") == "gnn64"), None)
    if auc and swift_gnn:
        print(f"\nAUC of one head: scikit-learn's `roc_auc_score` on {auc['auc_n']:,} predictions took {auc['auc_s_median']:.3g} s (median of 3); "
              f"this engine took {swift_gnn['auc_one_head_s']:.3g} s on {swift_gnn['eval_edges']:,} predictions "
              f"({auc['auc_s_median'] / swift_gnn['auc_one_head_s']:.0f}x), and {swift_gnn['eval_auc_s']:.3g} s for all four heads.")
