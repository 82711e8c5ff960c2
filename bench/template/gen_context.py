#!/usr/bin/python3
"""Writes the benchmark context (deterministic) to the path given."""
import json
import random
import sys

rnd = random.Random(42)
records = []
for i in range(1000):
    records.append({
        "id": i, "name": "user %d %s" % (i, rnd.choice(["alpha", "beta", "gamma"])),
        "email": "user%d@example.com" % i, "active": rnd.random() < 0.6,
        "score": round(rnd.random() * 100, 3), "tags": rnd.sample(["a", "b", "c", "d"], rnd.randint(0, 3)),
        "ip": "10.0.%d.%d" % (i // 256, i % 256), "owner": "team-%d" % (i % 7),
    })
ctx = {
    "records": records,
    "ticket": {"short_description": "Disk usage > 90% on <prod-db-01>",
               "description": "Filesystem /var is at 93%.\nOwner's team: \"DBA\" & Ops",
               "priority": "2", "assignment_group": {"name": "DBA"}, "assigned_to": None,
               "category": "Infrastructure", "tags": ["disk", "prod", "db"]},
    "flow_name": "disk-alerts", "__timestamp__": "20240305T102200Z",
    "app": {"name": "web", "replicas": 3, "domain": "example.org",
            "labels": {"tier": "front", "app": "web", "env": "prod"}},
    "tickets": [{"id": 101, "status": "new", "priority": "1"}, {"id": 102, "status": "open", "priority": "3"}],
}
with open(sys.argv[1], "w") as fh:
    json.dump(ctx, fh)
