#!/usr/bin/env python3
"""Writes a synthetic monitor (no real data) and an import file of N cells.

usage: synth_monitor.py DIR N
DIR/monitor/ gets the definitions (one theme, one edition, dimensions region ×
sex × age, one indicator); DIR/cells.csv gets N cells in the export contract.
"""
import random
import sys
from pathlib import Path

out, n = Path(sys.argv[1]), int(sys.argv[2])
mon = out / "monitor"
(mon / "cells").mkdir(parents=True, exist_ok=True)
regions = [f"r{i:04d}" for i in range(1000)]
ages = [f"a{i:02d}" for i in range(25)]
values = lambda ids: ",\n".join(f'  {{ id = "{v}", label_nl = "{v}", label_en = "{v}" }}' for v in ids)
(mon / "monitor.toml").write_text(f'''
[[theme]]
id = "synth"
label_nl = "Synthetisch"
label_en = "Synthetic"

[[document]]
id = "synth-edition"
kind = "edition"
label_nl = "Synthetische editie"
label_en = "Synthetic edition"
cutoff = "2024-01-01"

[[organisation]]
id = "synth-org"
label_nl = "Synthetische bron"
label_en = "Synthetic source"

[[counting_unit]]
id = "persons"
label_nl = "personen"
label_en = "persons"

[[dimension]]
id = "region"
label_nl = "regio"
label_en = "region"
values = [
{values(regions)}
]

[[dimension]]
id = "sex"
label_nl = "geslacht"
label_en = "sex"
values = [
{values(["boys", "girls"])}
]

[[dimension]]
id = "age"
label_nl = "leeftijd"
label_en = "age"
values = [
{values(ages)}
]
''')
(mon / "indicators.toml").write_text('''
[[indicator]]
id = "synth.cases"
theme = "synth"
label_nl = "Synthetische gevallen"
label_en = "Synthetic cases"
unit = "count"
counting_unit = "persons"
dimensions = ["region", "sex", "age"]
exclusive = true
frequency = "year"
''')
rng = random.Random(42)
statuses = ["exact"] * 8 + ["below", "refused"]
with open(out / "cells.csv", "w") as f:
    f.write("indicator,period,breakdown,status,value,lower,upper,unit,source,footnote\n")
    written = 0
    year = 1900
    while written < n:
        for r in regions:
            for s in ("boys", "girls"):
                for a in ages:
                    if written == n:
                        break
                    st = rng.choice(statuses)
                    value = rng.randint(10, 500) if st == "exact" else ""
                    upper = 10 if st == "below" else ""
                    f.write(f"synth.cases,{year},age={a};region={r};sex={s},{st},{value},,{upper},persons,synth-org: synthetic,\n")
                    written += 1
        year += 1
