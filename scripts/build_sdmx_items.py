"""Build servtrade's table of SDMX services items from the IMF codelists.

The IMF codes balance-of-payments services items with the EBOPS 2010 codes themselves (SA,
SC1, SI2 ...). This script reads the codelists in `data/reference/sdmx/` and writes
`src/servtrade/sdmx/data/services_items.csv`: every services item with its name and the
servtrade category it maps to (empty when servtrade does not classify that finely). Run it
again after adding a codelist; a test checks the file is what the codelists give.

Usage: python scripts/build_sdmx_items.py
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

from servtrade.classification import default_classifications
from servtrade.sdmx.messages import read_structure

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "data" / "reference" / "sdmx"
OUTPUT = ROOT / "src" / "servtrade" / "sdmx" / "data" / "services_items.csv"
# Codelists whose names mark services items ("Services: ...").
NAMED = (
    "IMF_BOP_1.0_structure_with_codelists_sdmxml21.xml",
    "IMF_CL_ACCOUNTS_ITEM_1.8.0_codelist_sdmxml30.xml",
)
# A codelist that names items without the prefix: its EBOPS headings are S and S[A-L]...
UNNAMED = "IMF.STA_CL_BOP_INDICATOR_10.0.0_codelist_sdmxjson20.json"
EBOPS_CODE = re.compile(r"^S([A-L][0-9A-Z]*)?$")


def _named_items() -> list[tuple[str, str, str]]:
    items = []
    for name in NAMED:
        message = read_structure(REFERENCE / name)
        for codelist in message.codelist.values():
            if codelist.id != "CL_ACCOUNTS_ITEM":
                continue
            urn = f"{codelist.maintainer.id}:{codelist.id}({codelist.version})"
            for code in codelist:
                label = str(code.name)
                if code.id == "S" or label.startswith("Services"):
                    items.append((urn, code.id, label))
    return items


def _unnamed_items() -> list[tuple[str, str, str]]:
    # sdmx1 does not read SDMX-JSON structure messages; a codelist is a list of ids and
    # names, read here with json.
    tree = json.loads((REFERENCE / UNNAMED).read_text(encoding="utf-8"))
    codelist = tree["data"]["codelists"][0]
    urn = f"{codelist['agencyID']}:{codelist['id']}({codelist['version']})"
    return [
        (urn, code["id"], str(code.get("name", "")))
        for code in codelist["codes"]
        if EBOPS_CODE.match(code["id"])
    ]


def build() -> str:
    categories = default_classifications().categories
    known = {c.code for c in categories if not c.members}
    rows = sorted(set(_named_items() + _unnamed_items()))
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["codelist", "code", "name", "category"])
    for codelist, code, name in rows:
        writer.writerow([codelist, code, name, code if code in known else ""])
    return buffer.getvalue()


if __name__ == "__main__":
    OUTPUT.write_text(build(), encoding="utf-8")
    print(f"wrote {OUTPUT}")
