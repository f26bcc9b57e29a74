"""dbt test failures: the tests (and models) that failed or errored in the last `dbt build` or
`dbt test`, from dbt's `run_results.json` (`<warehouse>/work/dbt_target/`). A failed build
leaves the published warehouse as it was, so this is where its failures show (`roundtrip
transform` runs this check at once when its build fails). A test is named with the model it
tests (from the build's `manifest.json`), e.g. "not_null_x_spend (test of x)". A selective build
(`roundtrip transform` builds only what changed) carries the other nodes' last results forward,
each marked `carried_from`; they count like the rest and the message says how many there are."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from monitor.checks.base import CheckContext, CheckKind, Observation, Options
from monitor.checks.units import COUNT
from monitor.results import Status

FAILING = {"fail", "error", "runtime error"}
TESTING_COMMANDS = {"build", "test"}
SHOWN = 5


@dataclass(frozen=True)
class DbtTestsOptions:
    count_warnings: bool


def parse(options: Options) -> DbtTestsOptions:
    return DbtTestsOptions(count_warnings=options.flag("count_warnings", False))


def run_results_path(ctx: CheckContext) -> Path:
    return ctx.paths.work_dir / "dbt_target" / "run_results.json"


def tested_models(target: Path) -> dict[str, str]:
    """Test unique_id → the name of the model it tests, from the build's manifest (empty when
    there is none or it cannot be read)."""
    try:
        nodes = json.loads((target / "manifest.json").read_text())["nodes"]
    except (OSError, ValueError, KeyError, TypeError):
        return {}
    tested = {}
    for unique_id, node in nodes.items():
        if not unique_id.startswith("test."):
            continue
        attached = node.get("attached_node") or next(
            (n for n in node.get("depends_on", {}).get("nodes", []) if n.startswith("model.")), None
        )
        if attached:
            tested[unique_id] = attached.split(".")[-1]
    return tested


def node_name(unique_id: str, tested: dict[str, str]) -> str:
    """A test as "<test> (test of <model>)", a model as its unique_id."""
    if not unique_id.startswith("test."):
        return unique_id
    name = unique_id.split(".")[-2]
    return f"{name} (test of {tested[unique_id]})" if unique_id in tested else name


def evaluate(ctx: CheckContext, opts: DbtTestsOptions) -> list[Observation]:
    path = run_results_path(ctx)
    if not path.exists():
        return [Observation("dbt", None, None, "no dbt build yet", status=Status.PASS)]
    try:
        results = json.loads(path.read_text())
        command = results.get("args", {}).get("which", "")
        generated = results["metadata"]["generated_at"]
        nodes = results["results"]
    except (ValueError, KeyError, TypeError) as exc:
        return [Observation("dbt", None, None, f"{path} is not dbt run results: {exc}")]
    if command not in TESTING_COMMANDS:
        return [
            Observation(
                "dbt",
                None,
                None,
                f"the last dbt command was `{command}`, which runs no tests",
                status=Status.PASS,
            )
        ]
    counted = FAILING | ({"warn"} if opts.count_warnings else set())
    failing = [n for n in nodes if str(n.get("status")) in counted]
    tested = tested_models(path.parent) if failing else {}
    names = [node_name(n["unique_id"], tested) for n in failing]
    summary = ", ".join(names[:SHOWN]) + (
        f" and {len(names) - SHOWN} more" if len(names) > SHOWN else ""
    )
    carried = sum(1 for n in nodes if n.get("carried_from"))
    message = (
        f"{len(failing)} of {len(nodes)} nodes failed in dbt {command} of {generated}: {summary}"
        if failing
        else f"all {len(nodes)} nodes passed in dbt {command} of {generated}"
    ) + (f" ({carried} results carried forward from earlier builds)" if carried else "")
    details = {
        "command": command,
        "generated_at": generated,
        "carried_forward": carried,
        "failures": [
            {
                "unique_id": n["unique_id"],
                "model": tested.get(n["unique_id"]),
                "status": n.get("status"),
                "failures": n.get("failures"),
                "message": (n.get("message") or "")[:500],
            }
            for n in failing[:50]
        ],
    }
    return [Observation("dbt", None, float(len(failing)), message, details)]


KIND = CheckKind(
    name="dbt_tests",
    summary="tests and models that failed in the last dbt build",
    direction="above",
    unit=COUNT,
    warn=None,
    critical=0,
    parse=parse,
    evaluate=evaluate,
)
