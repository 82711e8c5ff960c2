#!/usr/bin/python3
"""Time Jinja2 on the benchmark templates: compile once, render in a loop.
usage: jinja_bench.py CONTEXT.json TEMPLATE... ; prints "name seconds_per_render" lines."""
import json
import os
import sys
import time

import jinja2

ctx = json.load(open(sys.argv[1]))
env = jinja2.Environment()
for path in sys.argv[2:]:
    t = env.from_string(open(path).read())
    t.render(**ctx)
    n = 0
    t0 = time.perf_counter()
    while True:
        t.render(**ctx)
        n += 1
        dt = time.perf_counter() - t0
        if dt > 1.0 and n >= 5:
            break
    print("%s %.9f" % (os.path.basename(path), dt / n))
