#!/usr/bin/env python3
"""A synthetic (not real) capture-histories table for the covariate model:
6 lists x 4 covariates (year 2010-2015, sex, age, form of exploitation),
about 6,250 victims a year. Capture depends on the covariates (list x
covariate interactions: minors less often on the police list, labour
exploitation on the inspectorate's), and lists 1 and 2 are dependent.
Writes the estimation CSV (lists, covariates, count) to stdout.

    python3 bench/estimate_covariates.py [SEED] > table.csv
"""
import random
import sys
from collections import Counter

rng = random.Random(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
lists = ["police", "inspect", "coord", "shelter", "ngo", "immig"]
base = [0.18, 0.06, 0.25, 0.08, 0.12, 0.05]
forms = ["sexual", "labour", "criminal", "other"]
counts = Counter()
truth = 0
for year in range(2010, 2016):
    for _ in range(round(rng.gauss(6250, 80))):
        truth += 1
        sex = "f" if rng.random() < 0.6 else "m"
        age = "minor" if rng.random() < 0.2 else "adult"
        form = rng.choices(forms, weights=[0.5, 0.3, 0.12, 0.08])[0]
        p = list(base)
        if age == "minor":
            p[0] *= 0.6
            p[3] *= 1.8
        if form == "labour":
            p[1] *= 3.0
            p[0] *= 0.7
        if sex == "m":
            p[3] *= 0.5
        p[2] *= 1.0 + 0.05 * (year - 2010)
        caught = []
        for i, q in enumerate(p):
            if i == 1 and caught[0]:
                q = min(0.95, 2.5 * q)
            caught.append(rng.random() < q)
        if any(caught):
            counts[(tuple(int(c) for c in caught), str(year), sex, age, form)] += 1
print(",".join(lists + ["year", "sex", "age", "form", "count"]))
for (caught, year, sex, age, form), c in sorted(counts.items()):
    print(",".join([str(x) for x in caught] + [year, sex, age, form, str(c)]))
print(f"# synthetic population {truth}, observed {sum(counts.values())}", file=sys.stderr)
