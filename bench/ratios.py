#!/usr/bin/env python3
"""The mean, median and min of two commands timed by hyperfine, and their ratio.

    bench/ratios.py JSON LABEL0 LABEL1 NUM/DEN DIGITS TARGET

Prints, for each of mean, median and min, both times in ms under their labels (the
commands in the order hyperfine ran them) and the ratio of command NUM to command DEN
(0 or 1) with DIGITS decimals, against TARGET.
"""
import json
import sys

path, label0, label1, ratio, digits, target = sys.argv[1:]
num, den = (int(i) for i in ratio.split("/"))
r = json.load(open(path))["results"]
for key in ("mean", "median", "min"):
    t = (r[0][key], r[1][key])
    print(
        f"{key:>6}: {label0} {t[0]*1e3:.2f} ms, {label1} {t[1]*1e3:.2f} ms, "
        f"ratio {t[num]/t[den]:.{digits}f} (target <= {target})"
    )
