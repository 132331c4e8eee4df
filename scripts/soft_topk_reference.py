"""Reference gradients of the soft top-K matching surrogate for RankingTests.softTopK.

Re-implements, independently of the Swift code, `ListMatchingObjective.softLoss(w, temperature:)`
(Sources/ValueModel/Ranking/ListMatching/SoftTopK.swift) for both `MatchingLoss` cases
(Sources/ValueModel/Ranking/ListMatching/MatchingLosses.swift) on the hand-made session of `RankingTests.handMade()`,
at w = [0.4, 0.1, -0.1, -0.4] and tau = 0.05, in float64:

    v_j  = w . heads_j                                   (scores of the candidates)
    pi_j = sigmoid((v_j - t) / tau),  t: sum_j pi_j = K  (soft top-K inclusion weights)
    category : L = -sum_c q_c log max(p_c, 1e-8),  p_c = sum_{j in c} pi_j / K
    embedding: L = || mu_obs - sum_j pi_j e_j / K ||^2

The threshold t is found with scipy.optimize.brentq (xtol 1e-15, rtol 4 eps) when SciPy is importable,
otherwise (or with --no-scipy) by plain bisection until the bracket is below 1e-15; the script prints which.
The Swift code instead uses safeguarded Newton stopped at |sum pi - K| <= 1e-7 K and treats |z| > 30 as
saturated; neither shortcut is copied here (no candidate is near saturation at these values).

dL/dw is computed twice: analytically (implicit function theorem: dt/dv_i = s_i / sum_l s_l with
s_j = pi_j (1 - pi_j) / tau, hence dpi/dv = diag(s) - s s^T / sum s) and by central differences of L with
Richardson extrapolation (steps 1e-3 / 2^k); the two agree to ~1e-10. The analytic values are printed in the
form used by the test, next to the committed test values and the largest absolute difference.

Run from the repository root (numpy required, scipy optional):
    python3 scripts/soft_topk_reference.py            # or .venv-fixtures/bin/python scripts/soft_topk_reference.py
    python3 scripts/soft_topk_reference.py --no-scipy # force the bisection root finder

The surrogate is evaluated twice: with the heads as the exact decimals written in handMade(), and with the
heads rounded to Float32 as `CandidateHeads` stores them (the Swift computation sees the latter). The committed
numbers agree with the decimal-heads values to 1.5e-9; the Float32 rounding moves dL/dw by a further ~2e-8.
(Both variants were checked against a 40-digit mpmath evaluation: they agree to ~1e-13.) softLoss itself
returns category dL/dw0 = 3.09865806, 7e-8 from the exact value, because its Newton stops at |sum pi - K| <= 2e-7;
the test compares to 1e-4.
"""
import argparse

import numpy as np

# --- The hand-made data, copied from Tests/ValueModelTests/RankingTests.swift, RankingTests.handMade() -----
# CandidateHeads(sessions: 1, videos: 4, values: [...]) — row j holds video j's four heads (Swift [Float]).
HEADS = [0.9, 0, 0, 0,
         0.8, 0, 0, 0,
         0.1, 0, 0, 1,
         0.2, 0, 0, 0.5]
LENGTHS = [2]                       # lengths: [2]   (K = min(length, candidates))
OBSERVED = [0, 3]                   # observedOffsets: [0, 2], observed: [0, 3]
CATEGORY_IDS = [10, 20, 10, 30]     # categoryIds
EMBEDDINGS = [1, 0, 0, 1, 1, 1, 2, 2]  # embeddings (Swift [Float]), hidden: 2
HIDDEN = 2
CATEGORY_FLOOR = 1e-8               # MatchingLoss.categoryFloor

# --- The test's point and the committed reference values (RankingTests.softTopK) --------------------------
W = np.array([0.4, 0.1, -0.1, -0.4])
TAU = 0.05
COMMITTED = {"category": [3.0986579724, 0, 0, -2.4399663237],
             "embedding": [0.2072159518, 0, 0, -0.1662751783]}


def build(float32_heads):
    heads = np.array(HEADS, dtype=np.float32 if float32_heads else np.float64).astype(np.float64).reshape(-1, 4)
    n = heads.shape[0]
    k = min(LENGTHS[0], n)
    emb = np.array(EMBEDDINGS, dtype=np.float32).astype(np.float64).reshape(n, HIDDEN)
    distinct = sorted(set(CATEGORY_IDS))                      # dense category index: ascending raw id
    cat = np.array([distinct.index(c) for c in CATEGORY_IDS])
    q = np.zeros(len(distinct))
    for j in OBSERVED:
        q[cat[j]] += 1 / len(OBSERVED)
    mu_obs = emb[OBSERVED].mean(axis=0)
    return dict(heads=heads, k=k, emb=emb, cat=cat, q=q, mu_obs=mu_obs, categories=len(distinct))


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def bisect(f, lo, hi, tol=1e-15):
    flo = f(lo)
    while hi - lo > tol:
        mid = 0.5 * (lo + hi)
        if mid <= lo or mid >= hi:       # no float64 strictly inside the bracket
            break
        fm = f(mid)
        if fm == 0:
            return mid
        if (fm > 0) == (flo > 0):
            lo, flo = mid, fm
        else:
            hi = mid
    return 0.5 * (lo + hi)


def make_root_finder(use_scipy):
    if use_scipy:
        try:
            from scipy.optimize import brentq
            return "scipy.optimize.brentq (xtol 1e-15)", lambda f, a, b: brentq(f, a, b, xtol=1e-15, rtol=4 * np.finfo(float).eps, maxiter=500)
        except ImportError:
            pass
    return "own bisection to 1e-15", bisect


def threshold(v, k, tau, root):
    f = lambda t: sigmoid((v - t) / tau).sum() - k
    return root(f, v.min() - 60 * tau, v.max() + 60 * tau)   # f > 0 at the left end (n - K), < 0 at the right (-K)


def surrogate(w, d, kind, tau, root):
    """Loss, pi, s = dpi/dz / tau and upstream g = dL/dpi at w."""
    v = d["heads"] @ w
    t = threshold(v, d["k"], tau, root)
    pi = sigmoid((v - t) / tau)
    s = pi * (1 - pi) / tau
    k = d["k"]
    if kind == "category":
        p = np.array([pi[d["cat"] == c].sum() / k for c in range(d["categories"])])
        loss = -sum(d["q"][c] * np.log(max(p[c], CATEGORY_FLOOR)) for c in range(d["categories"]) if d["q"][c] > 0)
        g = np.array([-d["q"][c] / (k * p[c]) if d["q"][c] > 0 and p[c] > CATEGORY_FLOOR else 0.0 for c in d["cat"]])
    else:
        r = d["mu_obs"] - (pi[:, None] * d["emb"]).sum(axis=0) / k
        loss = float(r @ r)
        g = -2 / k * (d["emb"] @ r)
    return loss, pi, s, g


def analytic_gradient(w, d, kind, tau, root):
    _, _, s, g = surrogate(w, d, kind, tau, root)
    jacobian = np.diag(s) - np.outer(s, s) / s.sum()      # dpi_j / dv_i (symmetric)
    return d["heads"].T @ (jacobian @ g)


def richardson_gradient(w, d, kind, tau, root, h0=1e-3, levels=5):
    out = np.zeros(len(w))
    for i in range(len(w)):
        table = []
        for level in range(levels):
            h = h0 / 2 ** level
            up, down = w.copy(), w.copy()
            up[i] += h
            down[i] -= h
            row = [(surrogate(up, d, kind, tau, root)[0] - surrogate(down, d, kind, tau, root)[0]) / (2 * h)]
            for m in range(1, level + 1):
                row.append(row[m - 1] + (row[m - 1] - table[level - 1][m - 1]) / (4 ** m - 1))
            table.append(row)
        out[i] = table[-1][-1]
    return out


def swift_array(x):
    return "[" + ", ".join("0" if v == 0 else f"{v:.10f}" for v in x) + "]"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-scipy", action="store_true", help="use the bisection root finder even if SciPy is importable")
    args = parser.parse_args()
    name, root = make_root_finder(not args.no_scipy)
    print(f"threshold root: {name}")
    worst = {}
    for label, float32_heads in (("heads as exact decimals", False), ("heads rounded to Float32, as the Swift data stores them", True)):
        d = build(float32_heads)
        v = d["heads"] @ W
        print(f"\n{label}: w = {W.tolist()}, tau = {TAU}, K = {d['k']}, t = {threshold(v, d['k'], TAU, root):.15f}")
        grads = {}
        for kind in ("category", "embedding"):
            loss = surrogate(W, d, kind, TAU, root)[0]
            grads[kind] = analytic_gradient(W, d, kind, TAU, root)
            numeric = richardson_gradient(W, d, kind, TAU, root)
            diff = np.abs(grads[kind] - np.array(COMMITTED[kind])).max()
            worst[float32_heads] = max(worst.get(float32_heads, 0.0), diff)
            print(f"  {kind}: loss {loss:.12f}")
            print(f"    analytic dL/dw   {swift_array(grads[kind])}   (full: {grads[kind].tolist()})")
            print(f"    Richardson FD    {swift_array(numeric)}   |analytic - FD| max {np.abs(grads[kind] - numeric).max():.1e}")
            print(f"    committed (test) {swift_array(COMMITTED[kind])}   |analytic - committed| max {diff:.1e}")
        print(f"  let reference = kind == .category ? {swift_array(grads['category'])} : {swift_array(grads['embedding'])}")
    print(f"\nmax |script - committed|: {worst[False]:.1e} with decimal heads "
          f"({'within' if worst[False] <= 1e-8 else 'OUTSIDE'} 1e-8), {worst[True]:.1e} with Float32 heads "
          "(the rounding of 0.9, 0.8, 0.1, 0.2 to Float32 alone moves dL/dw by ~2e-8)")


if __name__ == "__main__":
    main()
