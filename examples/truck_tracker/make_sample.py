#!/usr/bin/env python3
"""Writes the truck tracker demo's sample input: three jobs in Sydney and three trucks driving
towards them, a ping every 30 seconds of event time. Deterministic; run it to regenerate."""
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
T0 = 1700000000000  # event time of the first record (ms)

jobs = [
    ("J-1001", "Ava Brown", "12 Harbour St", -33.8688, 151.2093),
    ("J-1002", "Liam Chen", "3 Ocean Rd", -33.8915, 151.2767),
    ("J-1003", "Mia Patel", "88 Park Ave", -33.8150, 151.0011),
]
trucks = [  # truck, job, start position
    ("TRUCK-7", "J-1001", -33.9500, 151.1000),
    ("TRUCK-3", "J-1002", -33.8000, 151.2000),
    ("TRUCK-9", "J-1003", -33.9000, 151.1000),
]

with open(os.path.join(HERE, "joblocation.jsonl"), "w") as f:
    for i, (jid, name, addr, lat, lon) in enumerate(jobs):
        value = {"ID": jid, "CUSTOMERNAME": name, "EMAIL": name.split()[0].lower() + "@example.com",
                 "ADDRESS": addr, "DEST_LAT": lat, "DEST_LONG": lon, "REPORTING_TIME": T0 + i}
        f.write(json.dumps({"key": jid, "value": value, "timestamp": T0 + i}) + "\n")

steps = 5
with open(os.path.join(HERE, "pings.jsonl"), "w") as f:
    for s in range(steps + 1):
        for tid, jid, lat0, lon0 in trucks:
            _, _, _, dlat, dlon = next(j for j in jobs if j[0] == jid)
            frac = s / steps
            lat = round(lat0 + (dlat - lat0) * frac, 4)
            lon = round(lon0 + (dlon - lon0) * frac, 4)
            ts = T0 + 1000 + s * 30000
            value = {"ID": tid, "JOB_ID": jid, "STATE": "arrived" if s == steps else "driving", "LAT": lat, "LONG": lon}
            f.write(json.dumps({"key": tid, "value": value, "timestamp": ts}) + "\n")
