"""Every write the CLI makes, by every kind of person, on both engines: a write goes
through only for a user whose role and regions allow it (as on the API), is audited in its
name, and a refused one changes nothing, is audited as refused and exits 4."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from servtrade.access import add_user
from servtrade.cli import app
from servtrade.store import Store, StoreLocation
from tests.api.test_api import _plan_document, _records_file
from tests.conftest import CONSTRUCTED, HEADER

runner = CliRunner()
# Who tries each write, last the one who may do everything; "nobody" is not a user.
PEOPLE = ("viewer", "nobody", "gz", "root")
REGIONS = ("CN-GZ", "CN-GD")
REFUSED = 4

Command = Callable[[Path, str, str], list[str]]


def _ingest(folder: Path, region: str, person: str) -> list[str]:
    year = 2020 + PEOPLE.index(person)  # each person's own figure
    path = folder / f"{person}-{region}.csv"
    path.write_text(
        f"{HEADER}\n{region},{year},total,S,10,亿元,,{CONSTRUCTED},2026-01-31\n",
        encoding="utf-8",
    )
    return ["ingest", str(path)]


def _records(folder: Path, region: str, person: str) -> list[str]:
    path = folder / f"{person}-{region}.parquet"
    path.write_bytes(_records_file(region, record_id=f"constructed-{person}"))
    return ["records", "load", str(path)]


def _plan(folder: Path, region: str, person: str) -> list[str]:
    path = folder / f"{person}-{region}.yaml"
    path.write_text(_plan_document(region, f"test-{region.lower()}"), encoding="utf-8")
    return ["plans", "add", str(path)]


def _task(folder: Path, region: str, person: str) -> list[str]:
    return ["tasks", f"test-{region.lower()}", "--set", "t1=in_progress"]


def _place(folder: Path, region: str, person: str) -> list[str]:
    code = f"{region}-X{PEOPLE.index(person)}"
    return ["regions", "add", code, "--name-en", code, "--name-zh", code, "--parent", region]


def _designation(folder: Path, region: str, person: str) -> list[str]:
    return [
        *("opening", "designate", region, "--kind", "free_trade_pilot_zone"),
        *("--name-zh", f"构造 {person}", "--name-en", f"constructed {person}"),
        *("--date", "2020-01-01", "--source", CONSTRUCTED),
    ]


def _rates(folder: Path, region: str, person: str) -> list[str]:
    path = folder / f"{person}-rates.csv"
    path.write_text(
        f"period,currency,cny_per_unit,source\n2024,USD,7.1{PEOPLE.index(person)},{CONSTRUCTED}\n",
        encoding="utf-8",
    )
    return ["fx", "load", str(path)]


def _grouping(folder: Path, region: str, person: str) -> list[str]:
    return [
        *("groupings", "add", f"G{PEOPLE.index(person)}", "--member", "SI", "--member", "SJ"),
        *("--name-en", "constructed", "--name-zh", "构造", "--definition", CONSTRUCTED),
    ]


def _basis(folder: Path, region: str, person: str) -> list[str]:
    code = f"basis_{PEOPLE.index(person)}"
    return ["bases", "add", code, "--name-en", code, "--name-zh", code]


def _user(folder: Path, region: str, person: str) -> list[str]:
    return ["users", "add", f"new-{person}", "--role", "viewer"]


def _remove_load(folder: Path, region: str, person: str) -> list[str]:
    return ["loads", "remove", (folder / "load_id").read_text(encoding="utf-8")]


# The writes of a region's figures, plans, tasks and places: an editor of the region or
# an admin. The rest change what every region reads: an admin only.
REGIONAL: dict[str, Command] = {
    "ingest": _ingest,
    "records load": _records,
    "plans add": _plan,
    "tasks --set": _task,
    "regions add": _place,
    "opening designate": _designation,
}
NATIONAL: dict[str, Command] = {
    "fx load": _rates,
    "groupings add": _grouping,
    "bases add": _basis,
    "users add": _user,
    "loads remove": _remove_load,
}


def _may(person: str, region: str | None) -> bool:
    return person == "root" or (person == "gz" and region == "CN-GZ")


def _db_options(command: list[str], location: StoreLocation) -> list[str]:
    if command[:2] == ["records", "load"] and isinstance(location, str):
        return ["--db", location, "--store", location]
    return ["--db", str(location)]


@pytest.fixture
def people(store_location: StoreLocation, tmp_path: Path) -> StoreLocation:
    """A store with an admin, a Guizhou editor and a viewer, two plans and one load."""
    with Store(store_location) as store:
        add_user(store, "root", "admin", [])
        add_user(store, "gz", "editor", ["CN-GZ"])
        add_user(store, "viewer", "viewer", ["CN-GZ"])
    for region in REGIONS:
        added = runner.invoke(
            app, [*_plan(tmp_path, region, "root"), "--by", "root", "--db", str(store_location)]
        )
        assert added.exit_code == 0, added.output
    loaded = runner.invoke(
        app, [*_ingest(tmp_path, "CN-SH", "root"), "--by", "root", "--db", str(store_location)]
    )
    assert loaded.exit_code == 0, loaded.output
    with Store(store_location) as store:
        (tmp_path / "load_id").write_text(str(store.loads()[0]["load_id"]), encoding="utf-8")
    return store_location


def _try(location: StoreLocation, command: list[str], person: str) -> tuple[int, str]:
    result = runner.invoke(
        app, [*command, "--by", person, *_db_options(command, location)], catch_exceptions=False
    )
    return result.exit_code, result.output


def _everything_but_the_audit(location: StoreLocation) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table of the store but the audit log's and the revision's (and the
    migrations' version tables: opening enterprise records on PostgreSQL creates them)."""
    with Store(location) as store:
        tables = sorted(
            str(name)
            for (name,) in store.fetchall(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = current_schema()"
            )
            # The audit log and the revision count every write, refusals too.
            if name not in ("audit_log", "store_revision") and not str(name).endswith("version")
        )
        found = {t: sorted(store.fetchall(f"SELECT * FROM {t}"), key=repr) for t in tables}
    return {table: rows for table, rows in found.items() if rows}


def _last_audit(location: StoreLocation) -> tuple[str, str, str]:
    with Store(location) as store:
        log = store.audit_log()
    last = log.iloc[-1]
    return str(last["user_name"]), str(last["action"]), str(last["target"])


@pytest.mark.parametrize("name", list(REGIONAL))
def test_regional_writes(name: str, people: StoreLocation, tmp_path: Path) -> None:
    for region in REGIONS:
        for person in PEOPLE:
            command = REGIONAL[name](tmp_path, region, person)
            before = _everything_but_the_audit(people)
            status, output = _try(people, command, person)
            who, action, target = _last_audit(people)
            if _may(person, region):
                assert status == 0, (person, region, output)
                assert (who, action == "refused") == (person, False), (person, region)
            else:
                assert status == REFUSED, (person, region, output)
                assert (who, action, target) == (person, "refused", f"servtrade {name}")
                assert _everything_but_the_audit(people) == before, (person, region)


@pytest.mark.parametrize("name", list(NATIONAL))
def test_writes_for_every_region_are_an_admins(
    name: str, people: StoreLocation, tmp_path: Path
) -> None:
    for person in PEOPLE:
        status, output = _try(people, NATIONAL[name](tmp_path, "CN", person), person)
        who, action, target = _last_audit(people)
        if person == "root":
            assert status == 0, output
            assert (who, action == "refused") == ("root", False)
        else:
            assert status == REFUSED, (person, output)
            assert (who, action, target) == (person, "refused", f"servtrade {name}")


def test_a_store_without_users_is_its_owners(tmp_path: Path) -> None:
    """One person's own file: their writes need no user, and name them."""
    db = tmp_path / "own.duckdb"
    status, output = _try(db, _ingest(tmp_path, "CN-GZ", "root"), "Li")
    assert status == 0, output
    assert _last_audit(db)[:2] == ("Li", "load")


def test_an_unknown_person_is_named_in_one_line(people: StoreLocation, tmp_path: Path) -> None:
    status, output = _try(people, _ingest(tmp_path, "CN-GZ", "nobody"), "nobody")
    assert status == REFUSED
    assert output.strip() == "nobody is not a user of this store; name one with --by"
