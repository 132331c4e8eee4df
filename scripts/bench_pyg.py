#!/usr/bin/env python3
"""The reference side of `make bench` on the pipeline's own step-2 artifacts (the files `bench` reads).

Runs the original's PyTorch + PyG models, training step and `eval_split` from ../shared/bench/pyg_reference.py
(imported, not copied) on step 2's graph instead of that script's own synthetic graph, and the original's
scikit-learn baseline, so both sides see the same edges, features and labels. One scenario per process,
one JSON line on stdout (progress on stderr):

  bench_pyg.py --processed DIR train --model gnn64 --warmup 1 --steps 5 --eval-repeats 2 --protocol-steps 1
  bench_pyg.py --processed DIR logreg --auc-repeats 5
  bench_pyg.py --processed DIR scoring --inputs EXPORT --repeats 3   # EXPORT written by `bench scoring --export`

Features are standardised exactly as step 3 does (float32, (x - mean) / std with step 2's training statistics).
"""
import argparse, json, os, statistics, sys, time

import numpy as np


def load_step2(processed):
    """step 2's artifacts as pyg_reference's data dict (edge_index [2, E] int64, edge_attr [E, 64] float32
    standardised, y [E, 4], train/val/test index tensors) plus the node count."""
    import torch
    folder = os.path.join(processed, "step2")
    graph = json.load(open(os.path.join(folder, "graph.json")))
    x = np.load(os.path.join(folder, "edge_features.npy"))                     # [E, 64] float32, missing -> 0
    mean = np.asarray(graph["standardisation"]["mean"], dtype=np.float64).astype(np.float32)
    std = np.asarray(graph["standardisation"]["std"], dtype=np.float64).astype(np.float32)
    for start in range(0, x.shape[0], 1 << 20):                                # in place, bounded memory
        block = x[start:start + (1 << 20)]
        np.subtract(block, mean, out=block)
        np.divide(block, std, out=block)
    src = np.load(os.path.join(folder, "edge_user.npy")).astype(np.int64)
    dst = np.load(os.path.join(folder, "edge_video_node.npy")).astype(np.int64)
    index = {part: torch.from_numpy(np.load(os.path.join(folder, part + ".npy")).astype(np.int64))
             for part in ("train_idx", "val_idx", "test_idx")}
    d = dict(edge_index=torch.from_numpy(np.stack([src, dst])), edge_attr=torch.from_numpy(x),
             y=torch.from_numpy(np.load(os.path.join(folder, "labels.npy"))), n_edges=x.shape[0], **index)
    return d, graph["userNodes"] + graph["videoNodes"]


def summary(name, seconds):
    if not seconds:
        return {}
    s = sorted(seconds)
    return {f"{name}_s_median": s[len(s) // 2], f"{name}_s_min": s[0], f"{name}_s_max": s[-1], f"{name}_s_all": seconds}


def timed(samples, fn, *args):
    t = time.perf_counter()
    value = fn(*args)
    samples.append(time.perf_counter() - t)
    return value


def train_scenario(ref, args, out):
    import torch
    import torch.nn as nn
    d, n_nodes = timed(out.setdefault("_load", []), load_step2, args.processed)
    torch.manual_seed(args.seed)
    model = ref.EdgeMLP() if args.model == "mlp" else ref.GNN(n_nodes, int(args.model[3:]))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    crit = nn.BCEWithLogitsLoss()
    phases = {k: [] for k in ("encode_fwd", "head_fwd", "backward", "opt_step")}
    no_sync = lambda: None
    steps = []
    for i in range(args.warmup + args.steps):
        _, dt = ref.train_step(model, opt, crit, d, args.batch_size, no_sync, phases)
        ref.log(f"{args.model} step {i}: {dt:.3f}s")
        if i >= args.warmup:
            steps.append(dt)
    w = args.warmup
    out.update(summary("step", steps))
    out["phase_s_median"] = {k: statistics.median(v[w:]) for k, v in phases.items()}
    forward, auc, mean_auc = [], [], None
    for _ in range(args.eval_repeats):
        ev = ref.eval_split(model, d, d["val_idx"], no_sync)
        forward.append(ev["eval_forward_s"]); auc.append(ev["eval_auc_s"]); mean_auc = ev["mean_auc"]
        ref.log(f"eval: forward {ev['eval_forward_s']:.2f}s auc {ev['eval_auc_s']:.2f}s")
    out.update(summary("eval_forward", forward)); out.update(summary("eval_auc", auc))
    out.update(eval_edges=int(d["val_idx"].numel()), eval_mean_auc=mean_auc, edges=int(d["n_edges"]),
               train_edges=int(d["train_idx"].numel()), batch_size=args.batch_size, warmup=args.warmup)
    protocol = []
    for i in range(args.protocol_steps):
        # the original, per step: one update, then mean AUC over the whole train split and the whole validation split
        t = time.perf_counter()
        ref.train_step(model, opt, crit, d, args.batch_size, no_sync, phases)
        train_eval = ref.eval_split(model, d, d["train_idx"], no_sync)
        val_eval = ref.eval_split(model, d, d["val_idx"], no_sync)
        protocol.append(time.perf_counter() - t)
        ref.log(f"protocol step {i}: {protocol[-1]:.2f}s (train AUC {train_eval['mean_auc']:.4f}, val {val_eval['mean_auc']:.4f})")
    out.update(summary("protocol_step", protocol))


def logreg_scenario(ref, args, out):
    import torch
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from threadpoolctl import threadpool_limits, threadpool_info
    d, _ = load_step2(args.processed)
    X = d["edge_attr"][d["train_idx"]].numpy()
    Y = d["y"][d["train_idx"]].numpy()
    Xte, Yte = d["edge_attr"][d["test_idx"]].numpy(), d["y"][d["test_idx"]].numpy()
    fits, iterations, test_auc, probabilities = [], [], [], []
    with threadpool_limits(limits=args.threads):
        out["blas"] = [{k: v for k, v in lib.items() if k in ("internal_api", "version", "architecture", "num_threads")}
                       for lib in threadpool_info()]
        for k in range(Y.shape[1]):
            clf = LogisticRegression()          # the original's baseline: scikit-learn defaults (C=1, lbfgs, max_iter=100)
            timed(fits, clf.fit, X, Y[:, k])
            p = clf.predict_proba(Xte)[:, 1].astype(np.float32)
            probabilities.append(p)
            iterations.append(int(clf.n_iter_[0]))
            test_auc.append(float(roc_auc_score(Yte[:, k], p)))
            ref.log(f"logreg head {k}: fit {fits[-1]:.2f}s, {iterations[-1]} iterations, test AUC {test_auc[-1]:.4f}")
        one, four = [], []
        for _ in range(args.auc_repeats):
            timed(one, roc_auc_score, Yte[:, 0], probabilities[0])
            timed(four, lambda: [roc_auc_score(Yte[:, k], probabilities[k]) for k in range(Y.shape[1])])
    out.update(train_rows=int(X.shape[0]), test_rows=int(Xte.shape[0]), lr_fit_s=fits, lr_fit_s_total=sum(fits),
               lr_iterations=iterations, test_auc=test_auc)
    out.update(summary("auc_one_head", one)); out.update(summary("auc_four_heads", four))


def scoring_scenario(ref, args, out):
    """Step 4's counterfactual scoring as the original notebook does it (predict_heads_for_session, without its
    pandas feature assembly): per session, the [candidates, 64] edge features, then score_edges on
    [h_user || h_video || x] and a sigmoid, for the same sessions, candidates, node embeddings and head weights as
    `bench scoring` exported; the probabilities of the first sessions are compared with this pipeline's."""
    import torch
    from safetensors.torch import load_file
    folder = args.inputs
    x_nodes = torch.from_numpy(np.load(os.path.join(folder, "node_embeddings.npy")))        # [nodes, 64]
    session_block = torch.from_numpy(np.load(os.path.join(folder, "session_block.npy")))    # [S, 64]
    video_block = torch.from_numpy(np.load(os.path.join(folder, "video_block.npy")))        # [N, 64]
    session_nodes = np.load(os.path.join(folder, "session_nodes.npy")).astype(np.int64)
    video_nodes = torch.from_numpy(np.load(os.path.join(folder, "video_nodes.npy")).astype(np.int64))
    model = ref.GNN(x_nodes.shape[0], x_nodes.shape[1])
    weights = load_file(os.path.join(folder, "gnn64.safetensors"))
    model.head.load_state_dict({k[len("edge_mlp."):]: v for k, v in weights.items() if k.startswith("edge_mlp.")})
    model.eval()
    n = video_nodes.numel()

    @torch.no_grad()
    def score(s):
        edge_attr = session_block[s].unsqueeze(0) + video_block                            # [N, 64]
        edge_index = torch.stack([torch.full((n,), int(session_nodes[s]), dtype=torch.long), video_nodes])
        return torch.sigmoid(model.score_edges(x_nodes, edge_index, edge_attr))             # [N, 4]

    reference = np.load(os.path.join(folder, "heads_first_sessions.npy")).reshape(-1, n, 4)
    mine = np.stack([score(s).numpy() for s in range(reference.shape[0])])
    seconds = []
    for _ in range(args.repeats):
        t = time.perf_counter()
        for s in range(len(session_nodes)):
            score(s)
        seconds.append(time.perf_counter() - t)
    pairs = len(session_nodes) * n
    out.update(sessions=len(session_nodes), candidates=n, pairs=pairs,
               pairs_per_s_plain=pairs / statistics.median(seconds),
               max_abs_difference=float(np.abs(mine - reference).max()))
    out.update(summary("plain", seconds))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--processed", required=True, help="folder holding step2/")
    ap.add_argument("--reference", default=os.path.join(os.path.dirname(__file__), "..", "..", "shared", "bench"),
                    help="folder of pyg_reference.py")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    sub = ap.add_subparsers(dest="scenario", required=True)
    tr = sub.add_parser("train")
    tr.add_argument("--model", choices=("mlp", "gnn64", "gnn128"), default="gnn64")
    tr.add_argument("--warmup", type=int, default=1)
    tr.add_argument("--steps", type=int, default=5)
    tr.add_argument("--eval-repeats", type=int, default=2)
    tr.add_argument("--protocol-steps", type=int, default=0)
    tr.add_argument("--batch-size", type=int, default=4096)
    lr = sub.add_parser("logreg")
    lr.add_argument("--auc-repeats", type=int, default=5)
    sc = sub.add_parser("scoring")
    sc.add_argument("--inputs", required=True, help="folder written by `bench scoring --export`")
    sc.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()

    sys.path.insert(0, os.path.abspath(args.reference))
    import pyg_reference as ref
    import torch
    torch.set_num_threads(args.threads)
    out = dict(implementation="pytorch", scenario=args.scenario,
               model=getattr(args, "model", "gnn64" if args.scenario == "scoring" else "logreg"),
               threads=torch.get_num_threads(), **ref.versions())
    if args.scenario == "train":
        train_scenario(ref, args, out)
        out.update(summary("load", out.pop("_load")))
    elif args.scenario == "scoring":
        scoring_scenario(ref, args, out)
    else:
        logreg_scenario(ref, args, out)
    out["peak_rss_mb"] = ref.rss_peak_mb()
    out["loadavg_at_end"] = open("/proc/loadavg").read().split()[:3]
    print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
