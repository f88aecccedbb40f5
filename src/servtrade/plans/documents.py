"""Read plan documents, report their faults by YAML path and line, and find plans by id."""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from servtrade.classification import Classifications
from servtrade.i18n import N_, Message
from servtrade.i18n.faults import schema_reason
from servtrade.plans.schema import Plan


@dataclass(frozen=True)
class PlanIssue:
    """One fault of a plan, at its YAML path and line; the reason reads in the reader's
    language."""

    file: str
    path: str
    line: int | None
    message: Message

    @classmethod
    def of(
        cls, file: str, path: str, line: int | None, template: str, /, **params: object
    ) -> PlanIssue:
        return cls(file, path, line, Message.of(template, **params))

    @property
    def reason(self) -> str:
        return str(self.message)

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where} [{self.path or '/'}]: {self.reason}"


class PlanError(ValueError):
    """A plan document that does not validate; `issues` lists every fault."""

    def __init__(self, issues: list[PlanIssue]) -> None:
        super().__init__(*issues)
        self.issues = issues

    def __str__(self) -> str:
        return "\n".join(str(i) for i in self.issues)


def _yaml_path(location: tuple[int | str, ...]) -> str:
    path = ""
    for part in location:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path


def _line(root: yaml.Node | None, location: tuple[int | str, ...]) -> int | None:
    """The line of the deepest node on `location` that the document has."""
    node = root
    line = None if node is None else node.start_mark.line + 1
    for part in location:
        child: yaml.Node | None = None
        if isinstance(node, yaml.MappingNode):
            child = next((v for k, v in node.value if getattr(k, "value", None) == part), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            child = node.value[part] if part < len(node.value) else None
        if child is None:
            break
        node = child
        line = node.start_mark.line + 1
    return line


def parse_plan(text: str, file: str, classifications: Classifications) -> Plan:
    try:
        data: Any = yaml.safe_load(text)
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise PlanError(
            [PlanIssue.of(file, "", line, N_("not valid YAML: {error}"), error=str(error))]
        ) from error
    if not isinstance(data, dict):
        raise PlanError([PlanIssue.of(file, "", 1, N_("a plan is a YAML mapping"))])
    try:
        return Plan.model_validate(data, context={"classifications": classifications})
    except ValidationError as error:
        issues = []
        for problem in error.errors():
            location = tuple(p for p in problem["loc"] if isinstance(p, int | str))
            issues.append(
                PlanIssue(file, _yaml_path(location), _line(root, location), schema_reason(problem))
            )
        raise PlanError(issues) from error


def load_plan(path: Path, classifications: Classifications) -> Plan:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise PlanError(
            [PlanIssue.of(str(path), "", None, N_("cannot read: {error}"), error=str(error))]
        ) from error
    return parse_plan(text, str(path), classifications)


def bundled_plan_files() -> list[Path]:
    folder = resources.files("servtrade.data").joinpath("plans")
    return sorted(Path(str(folder)).glob("*.yaml"))


def plan_json_schema() -> str:
    return json.dumps(Plan.model_json_schema(), ensure_ascii=False, indent=2) + "\n"
