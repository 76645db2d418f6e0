"""Edits ARTIFACT/launch_plan.json with a Python statement on `p` (the plan) and
updates its size and sha256 in manifest.json, so that loading gets as far as
parsing the plan."""
import hashlib
import json
import os
import sys

artifact, statement = sys.argv[1], sys.argv[2]
plan_path = os.path.join(artifact, "launch_plan.json")
with open(plan_path) as f:
    p = json.load(f)
exec(statement)
text = json.dumps(p, indent=1).encode()
with open(plan_path, "wb") as f:
    f.write(text)
manifest_path = os.path.join(artifact, "manifest.json")
with open(manifest_path) as f:
    manifest = json.load(f)
manifest["files"]["launch_plan.json"] = {
    "bytes": len(text), "sha256": hashlib.sha256(text).hexdigest()}
with open(manifest_path, "w") as f:
    json.dump(manifest, f, indent=2)
