#!/usr/bin/env python3
"""Removes the synthetic world's planted malformed caption lines (listed in ground_truth.json) from RAW/kuairec_caption_category.csv.

  drop_malformed_captions.py RAW

The pandas reference reads a malformed caption line by position where this pipeline skips and counts it
(SPEC subtlety 9, a deliberate difference tested on hand-written input); without those lines both read the
same categories, so their outputs can be compared column by column. Prints how many lines were dropped.
"""
import json, sys

raw = sys.argv[1]
bad = {m["line"] - 1 for m in json.load(open(f"{raw}/ground_truth.json"))["captions"]["malformedLines"]}
path = f"{raw}/kuairec_caption_category.csv"
lines = open(path, encoding="utf-8", newline="").read().split("\n")
open(path, "w", encoding="utf-8", newline="").write("\n".join(l for i, l in enumerate(lines) if i not in bad))
print(len(bad))
