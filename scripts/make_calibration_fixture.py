"""Writes Tests/ValueModelTests/Fixtures/calibration_reference.json: scikit-learn's log_loss,
brier_score_loss and calibration_curve (10 uniform bins) on seeded cases, for CalibrationTests.

Run from the repository root in a git-ignored virtual environment:
    python3 -m venv .venv-fixtures && .venv-fixtures/bin/pip install scikit-learn==1.5.2 numpy
    .venv-fixtures/bin/python scripts/make_calibration_fixture.py
"""
import json

import numpy as np
import sklearn
from sklearn.calibration import calibration_curve
from sklearn.metrics import brier_score_loss, log_loss

rng = np.random.default_rng(230)
cases = []
for name, n, skew in [("balanced", 500, 0.0), ("rare positives", 800, -2.0), ("small", 7, 0.5)]:
    logits = rng.normal(skew, 1.5, n)
    p = 1 / (1 + np.exp(-logits))
    y = (rng.uniform(size=n) < 1 / (1 + np.exp(-(logits + rng.normal(0, 1, n))))).astype(float)
    cases.append((name, p, y))
# Probabilities of exactly 0 and 1 (clipped inside log_loss).
p = np.array([0.0, 1.0, 0.25, 0.8, 1.0, 0.0, 0.55])
y = np.array([0.0, 1.0, 1.0, 0.0, 0.0, 1.0, 1.0])
cases.append(("zeros and ones", p, y))

out = []
for name, p, y in cases:
    true_rate, mean_predicted = calibration_curve(y, p, n_bins=10, strategy="uniform")
    out.append({
        "name": name, "probabilities": p.tolist(), "labels": y.tolist(),
        "log_loss": log_loss(y, p, labels=[0, 1]), "brier": brier_score_loss(y, p),
        "bin_observed": true_rate.tolist(), "bin_predicted": mean_predicted.tolist(),
    })
with open("Tests/ValueModelTests/Fixtures/calibration_reference.json", "w") as f:
    json.dump({"sklearn": sklearn.__version__, "cases": out}, f, indent=1)
    f.write("\n")
