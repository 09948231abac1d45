"""The dbt layers read in one direction: staging reads sources only, intermediate reads staging,
intermediate and seeds, marts read intermediate and seeds; nothing reads a mart."""

from __future__ import annotations

import json

from pipelines.defs.transform.project import ensure_manifest

ALLOWED = {
    "staging": {"source"},
    "intermediate": {"staging", "intermediate", "seed"},
    "marts": {"intermediate", "seed"},
}


def _layer(node: dict) -> str:
    if node["resource_type"] in ("seed", "source"):
        return node["resource_type"]
    return node["fqn"][1]


def test_models_read_only_the_layers_below_them():
    manifest = json.loads(ensure_manifest().read_text(encoding="utf-8"))
    nodes = {**manifest["nodes"], **manifest["sources"]}
    models = {k: v for k, v in manifest["nodes"].items() if v["resource_type"] == "model"}
    assert {_layer(m) for m in models.values()} == set(ALLOWED)
    wrong = sorted(
        f"{m['name']} ({_layer(m)}) reads {nodes[d]['name']} ({_layer(nodes[d])})"
        for m in models.values()
        for d in m["depends_on"]["nodes"]
        if _layer(nodes[d]) not in ALLOWED[_layer(m)]
    )
    assert wrong == []
