"""Writes Tests/ValueModelTests/Fixtures/adam_steps_reference.json: six steps of Adam on an 8-vector, for
LearningReferenceTests.adamSixSteps.

This is a NumPy port of the update documented for torch.optim.Adam (PyTorch docs, "Adam" algorithm box),
with its defaults betas = (0.9, 0.999), eps = 1e-8, weight_decay = 0, amsgrad = False, maximize = False,
evaluated in float64 — it is not PyTorch itself (PyTorch is not installed here, and
../shared/bench/torch_fixtures.py dumps only the first step, where bias correction cancels):

    m_t = b1 m_{t-1} + (1 - b1) g_t          v_t = b2 v_{t-1} + (1 - b2) g_t^2
    m^_t = m_t / (1 - b1^t)                  v^_t = v_t / (1 - b2^t)
    theta_t = theta_{t-1} - lr m^_t / (sqrt(v^_t) + eps)

The initial parameters and the gradients are fixed below and rounded to Float32 before use (the Swift Adam
works on Float32 buffers, so it receives exactly these inputs); lr = 0.01 is used as written (Swift holds it
as Float(0.01), 2e-8 relative away, irrelevant at the test's tolerance). The gradient sequence differs per
step and covers: a steady gradient, sign changes across steps, a gradient of ~1e-9 (below eps, so the step
is ~lr * g / eps), gradients of 0 at some steps (moments decay, the parameter still moves), a large gradient
and a parameter that starts at 0.

The script also prints how far two broken variants land from the reference (largest |difference| per
step): bias correction frozen at t = 1 (right at step 1 only, which the one-step PyTorch fixtures cannot
see) and no bias correction at all.

Run from the repository root (numpy only):
    python3 scripts/adam_reference.py      # or .venv-fixtures/bin/python scripts/adam_reference.py
"""
import json
import pathlib

import numpy as np

LR, BETA1, BETA2, EPS = 0.01, 0.9, 0.999, 1e-8

INITIAL = [0.5, -1.25, 0.0, 2.0, -0.03, 0.75, 1e-3, -0.4]
# GRADIENTS[t][i]: the gradient of parameter i at step t + 1.
GRADIENTS = [
    # steady  sign flips  ~1e-9    large  zeros   turns -  1e-4 scale  mixed
    [0.1,     0.3,        1e-9,    5.0,   0.0,    0.05,    1e-4,       -1.0],
    [0.1,    -0.2,       -2e-9,    4.0,   0.0,    0.02,   -3e-4,        2.0],
    [0.1,     0.25,       1.5e-9, -3.0,   0.02,  -0.01,    2e-4,        0.5],
    [0.1,    -0.4,        1e-9,    6.0,   0.0,   -0.04,    5e-4,       -0.25],
    [0.1,     0.1,       -1e-9,   -2.5,  -0.01,  -0.08,   -1e-4,        1.5],
    [0.1,    -0.05,       3e-9,    1.0,   0.0,   -0.1,     1e-4,       -3.0],
]

OUT = pathlib.Path(__file__).resolve().parent.parent / "Tests/ValueModelTests/Fixtures/adam_steps_reference.json"


def f32(values):
    """Round to Float32 and back to float64 (exact in JSON through repr)."""
    return np.array(values, dtype=np.float32).astype(np.float64)


def adam(theta0, gradients, correction="torch"):
    """Parameters after each step. correction: "torch" (1 - b^t), "frozen" (1 - b^1 at every step), "none"."""
    theta = theta0.copy()
    m = np.zeros_like(theta)
    v = np.zeros_like(theta)
    out = []
    for t, g in enumerate(gradients, start=1):
        m = BETA1 * m + (1 - BETA1) * g
        v = BETA2 * v + (1 - BETA2) * g * g
        tc = {"torch": t, "frozen": 1}.get(correction)
        m_hat = m / (1 - BETA1 ** tc) if tc else m
        v_hat = v / (1 - BETA2 ** tc) if tc else v
        theta = theta - LR * m_hat / (np.sqrt(v_hat) + EPS)
        out.append(theta.copy())
    return out


def main():
    theta0 = f32(INITIAL)
    gradients = [f32(g) for g in GRADIENTS]
    reference = adam(theta0, gradients)
    fixture = {
        "description": "NumPy (float64) port of torch.optim.Adam's documented update with defaults "
                       "(betas 0.9/0.999, eps 1e-8, no weight decay, no amsgrad); not PyTorch output",
        "generator": "scripts/adam_reference.py",
        "lr": LR, "beta1": BETA1, "beta2": BETA2, "eps": EPS,
        "initial": theta0.tolist(),
        "steps": [{"step": t, "gradient": g.tolist(), "params": p.tolist()}
                  for t, (g, p) in enumerate(zip(gradients, reference), start=1)],
    }
    OUT.write_text(json.dumps(fixture, indent=1) + "\n")
    print(f"wrote {OUT.relative_to(OUT.parents[3])}: {len(theta0)} parameters, {len(gradients)} steps, lr {LR}")
    for t, p in enumerate(reference, start=1):
        print(f"  step {t}: {np.array2string(p, precision=9, max_line_width=200)}")
    for variant in ("frozen", "none"):
        broken = adam(theta0, gradients, variant)
        gaps = [np.abs(b - r).max() for b, r in zip(broken, reference)]
        print(f"bias correction {variant:6s}: max |theta - reference| per step " + ", ".join(f"{x:.2e}" for x in gaps))


if __name__ == "__main__":
    main()
