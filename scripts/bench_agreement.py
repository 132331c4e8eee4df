#!/usr/bin/env python3
"""Step 1 of this pipeline against the pandas reference on the same input, column by column (run by `make bench`).

  bench_agreement.py STEP1_FOLDER REFERENCE_FOLDER > agreement.json

Reads the 64 edge-feature columns from this pipeline's step-1 `.npy` files and from the reference's
`gnn_features.parquet` (row-aligned with its `processed_data.parquet`), matches rows by (user_id, video_id,
timestamp) — a stable sort of both sides, so exact duplicate rows pair up in file order — and reports per
column the largest absolute and relative difference (|a - b| / max(|b|, 1e-2), the rule of
Tests/ValueModelTests/ReferenceAgreementTests.swift), and the rows where only one side is missing.
Categorical columns are compared as codes (pandas' -1 for a missing category).
"""
import json, sys

import numpy as np
import pyarrow.parquet as pq


def main():
    ours_folder, reference_folder = sys.argv[1], sys.argv[2]
    manifest = json.load(open(f"{ours_folder}/manifest.json"))
    files = {c["name"]: c["file"] for c in manifest["columns"]}
    ours = lambda name: np.load(f"{ours_folder}/{files[name]}", mmap_mode="r")
    features = pq.ParquetFile(f"{reference_folder}/gnn_features.parquet")
    processed = pq.ParquetFile(f"{reference_folder}/processed_data.parquet")
    reference = lambda file, name: file.read(columns=[name]).column(0).to_numpy(zero_copy_only=False)

    ref_keys = [reference(features, "user_id"), reference(features, "video_id"), reference(processed, "timestamp")]
    our_keys = [ours("user_id"), ours("video_id"), ours("timestamp")]
    if len(ref_keys[0]) != len(our_keys[0]):
        print(json.dumps({"rows_ours": len(our_keys[0]), "rows_reference": len(ref_keys[0]), "error": "row counts differ"}))
        return
    same_order = all(np.array_equal(np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64))
                     for a, b in zip(our_keys, ref_keys))
    if same_order:
        ours_order = ref_order = slice(None)
    else:   # np.lexsort is stable: the last key is the primary one
        ours_order = np.lexsort([np.asarray(k, dtype=np.float64) for k in reversed(our_keys)])
        ref_order = np.lexsort([np.asarray(k, dtype=np.float64) for k in reversed(ref_keys)])
    keys_match = all(np.array_equal(np.asarray(a, dtype=np.float64)[ours_order], np.asarray(b, dtype=np.float64)[ref_order])
                     for a, b in zip(our_keys, ref_keys))
    categorical = set(json.load(open(f"{reference_folder}/meta.json")).get("categorical_features", []))
    columns = []
    for name in features.schema_arrow.names[6:]:     # user_id, video_id, 4 labels, then the 64 features
        a = np.asarray(ours(name), dtype=np.float64)[ours_order]
        b = np.asarray(reference(features, name), dtype=np.float64)[ref_order]
        entry = next((c for c in manifest["columns"] if c["name"] == name), {})
        is_code = bool(entry.get("categories")) or name in categorical
        a_missing, b_missing = np.isnan(a), np.isnan(b)
        both = ~a_missing & ~b_missing
        diff = np.abs(a[both] - b[both])
        columns.append(dict(name=name, categorical=is_code,
                            max_abs=float(diff.max()) if diff.size else 0.0,
                            max_rel=float((diff / np.maximum(np.abs(b[both]), 1e-2)).max()) if diff.size else 0.0,
                            unequal=int((diff != 0).sum()),
                            missing_mismatch=int((a_missing != b_missing).sum())))
    print(json.dumps(dict(rows=len(ref_keys[0]), same_order=same_order, keys_match=keys_match, columns=columns)))


if __name__ == "__main__":
    main()
