from pathlib import Path

from cartkit.schema.describe import BEGIN, END, describe_format

ROOT = Path(__file__).resolve().parents[2]


def test_data_format_doc_matches_the_specs():
    text = (ROOT / "docs" / "data-format.md").read_text(encoding="utf-8")
    section = text[text.index(BEGIN) : text.index(END) + len(END)]
    assert section == describe_format(), (
        "docs/data-format.md is out of date: regenerate its tables with "
        "cartkit.schema.describe.describe_format()"
    )
