#!/usr/bin/env python3
"""The two synthetic benchmark tables of bench/disclose.sh as CSV in the export
format, with their hierarchy files for `zicht protect --hierarchy`.

    bench/disclose_tables.py OUTDIR [TABLE...]

writes OUTDIR/3d.csv, OUTDIR/3d.hierarchy, OUTDIR/5d.csv, OUTDIR/5d.hierarchy,
or the tables named (also the smaller 5-d ones, 5d-xs, 5d-s and 5d-m, with the
same shape and fewer municipalities and countries, to try a method on first).

The same tables, row for row, as crates/disclose/tests/util/mod.rs `generate`
builds for crates/disclose/benches/protect.rs (seed 2024, splitmix64, a leaf
of a nested dimension naming its group): synthetic, deterministic, no
randomness from the system. Inner counts: a fifth empty, the rest log-normal
around 25.
"""

import math
import sys

MASK = (1 << 64) - 1


class Rng:
    """splitmix64, as the Rust generator."""

    def __init__(self, seed):
        self.state = seed & MASK

    def next_u64(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        return z ^ (z >> 31)

    def unit(self):
        return (self.next_u64() >> 11) / float(1 << 53)

    def normal(self):
        u1 = max(self.unit(), 1e-12)
        u2 = self.unit()
        return math.sqrt(-2.0 * math.log(u1)) * math.cos(2.0 * math.pi * u2)


def round_half_away(x):
    f = math.floor(x)
    return f + 1 if x - f >= 0.5 else f


# (name, leaves, groups): groups 0 is a flat dimension.
def five(countries, origins, municipalities, regions):
    """sex × age × form × origin→country × region→municipality."""
    return [
        ("sex", 2, 0),
        ("age", 6, 0),
        ("form", 6, 0),
        ("country", countries, origins),
        ("municipality", municipalities, regions),
    ]


TABLES = {
    # age × origin→country × region→municipality: 20 × 45 × 111 = 99,900 cells.
    "3d": [("age", 19, 0), ("country", 40, 4), ("municipality", 100, 10)],
    # 3 × 7 × 7 × 34 × 131 = 654,738 cells.
    "5d": five(30, 3, 120, 10),
    # The same five dimensions, smaller: 3 × 7 × 7 × 16 × 34 = 79,968 cells.
    "5d-s": five(12, 3, 30, 3),
    # 3 × 7 × 7 × 9 × 13 = 17,199 cells: small enough for GaussSuppression
    # in R (bench/gauss.R, about 2 minutes; 5d-s takes over an hour).
    "5d-xs": five(6, 2, 9, 3),
    # 3 × 7 × 7 × 34 × 56 = 279,888 cells.
    "5d-m": five(30, 3, 50, 5),
}


def group_of(leaf, leaves, groups):
    return leaf * groups // leaves


def generate(dims, seed=2024, zeros=0.2, median=25.0, spread=1.0):
    rng = Rng(seed)
    n_inner = math.prod(d[1] for d in dims)
    inner = []
    for _ in range(n_inner):
        if rng.unit() < zeros:
            inner.append(0)
        else:
            v = math.exp(math.log(median) + spread * rng.normal())
            inner.append(max(round_half_away(v), 1))
    # Add the margins one dimension at a time: positions along a dimension
    # are its total, each group, each leaf (the Rust generator's order).
    arr, shape = inner, [d[1] for d in dims]
    for i, (_, leaves, groups) in enumerate(dims):
        outer = math.prod(shape[:i])
        inner_size = math.prod(shape[i + 1 :])
        m = 1 + groups + leaves
        out = [0] * (outer * m * inner_size)
        for o in range(outer):
            base = o * m * inner_size
            total = [0] * inner_size
            group_sums = [[0] * inner_size for _ in range(groups)]
            for j in range(leaves):
                src = arr[(o * leaves + j) * inner_size : (o * leaves + j + 1) * inner_size]
                at = base + (1 + groups + j) * inner_size
                out[at : at + inner_size] = src
                total = [a + b for a, b in zip(total, src)]
                if groups:
                    g = group_of(j, leaves, groups)
                    group_sums[g] = [a + b for a, b in zip(group_sums[g], src)]
            out[base : base + inner_size] = total
            for g in range(groups):
                at = base + (1 + g) * inner_size
                out[at : at + inner_size] = group_sums[g]
        arr = out
        shape[i] = m
    return arr, shape


def breakdown(dims, position):
    pairs = []
    for (name, leaves, groups), p in zip(dims, position):
        if p == 0:
            continue
        if p <= groups:
            pairs.append((name + "_group", "g%d" % (p - 1)))
        else:
            leaf = p - 1 - groups
            pairs.append((name, "v%d" % leaf))
            if groups:
                pairs.append((name + "_group", "g%d" % group_of(leaf, leaves, groups)))
    pairs.sort()
    return ";".join("%s=%s" % pv for pv in pairs)


def write(out_dir, key):
    dims = TABLES[key]
    values, shape = generate(dims)
    with open("%s/%s.csv" % (out_dir, key), "w") as f:
        f.write("indicator,period,breakdown,status,value,lower,upper,unit,source,footnote\n")
        position = [0] * len(dims)
        for v in values:
            f.write("bench,2024,%s,exact,%d,,,persons,,\n" % (breakdown(dims, position), v))
            i = len(dims) - 1
            while i >= 0:
                position[i] += 1
                if position[i] < shape[i]:
                    break
                position[i] = 0
                i -= 1
    with open("%s/%s.hierarchy" % (out_dir, key), "w") as f:
        f.write("# parent_dimension=value,child_dimension=value\n")
        for name, leaves, groups in dims:
            for leaf in range(leaves if groups else 0):
                f.write("%s_group=g%d,%s=v%d\n" % (name, group_of(leaf, leaves, groups), name, leaf))
    return len(values)


if __name__ == "__main__":
    if len(sys.argv) < 2 or any(k not in TABLES for k in sys.argv[2:]):
        sys.exit(__doc__)
    for key in sys.argv[2:] or ["3d", "5d"]:
        n = write(sys.argv[1], key)
        print("%s: %d cells" % (key, n), file=sys.stderr)
