"""Loading a statistics file: read, validate, check against the store, write all or nothing."""

from __future__ import annotations

import csv
import json
import uuid
from datetime import date
from pathlib import Path

import pandas as pd

from servtrade.access import User, acting_user, authorise_region, authorise_writer
from servtrade.i18n import N_, _
from servtrade.ingest import file_sha256
from servtrade.ingest.options import IngestOptions, ReadOptions
from servtrade.ingest.readers import (
    LINE,
    check_file,
    is_sdmx,
    layout_notes,
    original_headers,
    read_table,
    sheet_read,
)
from servtrade.ingest.report import FileRejectedError, IngestReport, RowIssue
from servtrade.ingest.validate import RELATIVE_TOLERANCE, validate
from servtrade.sdmx import SdmxReadError
from servtrade.spreadsheet import csv_safe
from servtrade.store import LoadRecord, QuarantinedRow, Store
from servtrade.store.sql import OBSERVATION_COLUMNS


def load_file(store: Store, path: Path, options: IngestOptions | None = None) -> IngestReport:
    options = options or IngestOptions()
    user = options.user or acting_user(store, None)
    authorise_writer(user)  # a viewer's file is not even read
    report = IngestReport(file=str(path))
    try:
        frame = _read(store, path, options.read, report)
    except FileRejectedError as rejected:
        report.errors.append(rejected.issue)
        return report
    sha = file_sha256(path)
    # What is already stored is read in the transaction that writes: loaders running side
    # by side on a server neither duplicate a figure nor load one file twice.
    with store.transaction():
        return _checked_and_written(store, path, sha, frame, options, user, report)


def _checked_and_written(
    store: Store,
    path: Path,
    sha: str,
    frame: pd.DataFrame,
    options: IngestOptions,
    user: User,
    report: IngestReport,
) -> IngestReport:
    previous = store.load_with_sha(sha)
    if previous is not None:
        report.status = "unchanged"
        report.load_id = previous[0]
        report.warnings.append(
            RowIssue.of(
                str(path),
                None,
                None,
                N_("already loaded from {file} on {when}"),
                file=previous[1],
                when=f"{previous[2]:%Y-%m-%d %H:%M}",
            )
        )
        return report
    if frame.empty:  # an SDMX file whose series are all outside trade in services
        report.status = "no_services"
        return report
    result = validate(
        frame,
        file=str(path),
        classifications=store.classifications(),
        default_vintage=options.vintage or date.today(),
        default_source=path.name,
    )
    report.errors.extend(result.errors)
    report.warnings.extend(result.warnings)
    staged = _without_stored(store, result.staged, report)
    bad_lines = {issue.line for issue in report.errors}
    staged = staged[~staged["line"].isin(bad_lines)]
    report.regions = sorted(staged["region"].unique())
    classifications = store.classifications()
    for region in report.regions:  # the whole file is refused if one lies outside
        authorise_region(user, region, classifications)
    if options.dry_run:
        report.status = "checked" if not report.errors else "rejected"
        report.rows_loaded = len(staged)
        return report
    if report.errors:
        report.rejected_file = _write_rejected(frame, report, path, options.rejected_dir)
        if not options.allow_partial:
            return report
    load_id = uuid.uuid4().hex
    staged = staged.assign(load_id=load_id)[list(OBSERVATION_COLUMNS)]
    report.status = "partial" if report.errors else "loaded"
    store.write_load(
        LoadRecord(load_id, str(path), sha, len(staged), report.rows_rejected, report.status),
        staged,
        [
            QuarantinedRow(issue.line, issue.column, issue.reason, _raw(frame, issue.line))
            for issue in report.errors
        ],
    )
    report.rows_loaded = len(staged)
    report.load_id = load_id
    store.record_audit(
        user.name,
        options.audit_action,
        path.name,
        ",".join(report.regions),
        None,
        json.dumps({"load_id": load_id, "rows_loaded": report.rows_loaded}),
    )
    return report


def _read(store: Store, path: Path, options: ReadOptions, report: IngestReport) -> pd.DataFrame:
    """The file's rows in canonical columns: a table as it is, SDMX through its mapping."""
    if not is_sdmx(path, options):
        frame = read_table(path, options)
        report.rows_read = len(frame)
        report.warnings.extend(layout_notes(frame))
        chosen = sheet_read(frame)
        if chosen is not None:
            report.warnings.append(
                RowIssue.of(
                    str(path),
                    None,
                    None,
                    N_("read sheet {sheet!r}, the only one with data"),
                    sheet=chosen,
                )
            )
        return frame
    check_file(path, options)
    from servtrade.sdmx.reading import sdmx_rows

    try:
        rows = sdmx_rows(
            path, store.classifications(), structure=options.structure, mapping=options.mapping
        )
    except SdmxReadError as error:
        raise FileRejectedError(
            RowIssue.of(
                str(path), None, None, N_("not a readable SDMX message: {reason}"), reason=error
            )
        ) from error
    report.rows_read = rows.observations
    report.dataflow = rows.dataflow
    report.skipped = dict(rows.skipped)
    report.skipped_series = rows.skipped_series
    for line, dimension, code in rows.code_issues:
        report.errors.append(
            RowIssue.of(
                str(path),
                line,
                dimension,
                N_("code {code!r} is not in the structure's codelist for {dimension}"),
                code=code,
                dimension=dimension,
            )
        )
    frame = rows.frame.copy()
    frame[LINE] = frame.index + 1  # the observation's position in the message
    return frame


def _without_stored(store: Store, staged: pd.DataFrame, report: IngestReport) -> pd.DataFrame:
    """Drop figures already stored; report those that contradict a stored figure."""
    if staged.empty:
        return staged
    clashes = store.clashes(staged)
    if clashes.empty:
        return staged
    close = (clashes["staged_amount"] - clashes["stored_amount"]).abs() <= (
        RELATIVE_TOLERANCE * clashes["stored_amount"].abs()
    )
    same = close | (clashes["staged_amount"].isna() & clashes["stored_amount"].isna())
    for row in clashes[~same].to_dict("records"):
        report.errors.append(
            RowIssue.of(
                report.file,
                int(row["line"]),
                "value",
                N_(
                    "conflicts with {value:g} {unit} already stored from {file} for the same "
                    "vintage {vintage}; a revision needs a later vintage"
                ),
                value=row["stored_value"],
                unit=row["stored_unit"],
                file=row["stored_file"],
                vintage=row["vintage"],
            )
        )
    already = set(clashes.loc[same, "line"])
    report.rows_already_stored = len(already)
    return staged[~staged["line"].isin(already)]


def _raw(frame: pd.DataFrame, line: int | None) -> str:
    if line is None:
        return ""
    rows = frame[frame[LINE] == line].drop(columns=[LINE]).head(1)
    return "" if rows.empty else rows.iloc[0].to_json(force_ascii=False)


def _write_rejected(
    frame: pd.DataFrame, report: IngestReport, path: Path, directory: Path | None
) -> Path:
    """The rejected rows under the file's own headers, each with its line and reason, in
    UTF-8 with a byte-order mark so that Excel on a Chinese desktop opens it as written;
    text that a spreadsheet would run as a formula is neutralized."""
    target = (directory or path.parent) / f"{path.name}.rejected.csv"
    reasons: dict[int, list[str]] = {}
    for issue in report.errors:
        if issue.line is not None:
            reasons.setdefault(issue.line, []).append(
                f"{issue.column}: {issue.reason}" if issue.column else issue.reason
            )
    headers = original_headers(frame)
    columns = [c for c in frame.columns if c != LINE and not c.startswith("__")]
    rows = frame.drop_duplicates(LINE).set_index(LINE)
    with target.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([_("line"), *(headers.get(c, c) for c in columns), _("reason")])
        for line, why in sorted(reasons.items()):
            cells = (
                [rows.at[line, c] for c in columns] if line in rows.index else [""] * len(columns)
            )
            writer.writerow([line, *(_spreadsheet_cell(c) for c in cells), "; ".join(why)])
    return target


def _spreadsheet_cell(cell: object) -> object:
    """A figure stays as written (-5 is a number, not a formula); other text is made safe."""
    try:
        float(str(cell).replace(",", ""))
    except ValueError:
        return csv_safe(cell)
    return cell
