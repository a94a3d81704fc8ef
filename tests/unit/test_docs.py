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


def test_report_doc_names_every_default_analysis():
    from cartkit.plan.default import default_plan

    text = (ROOT / "docs" / "report.md").read_text(encoding="utf-8")
    missing = [a.id for a in default_plan().analyses if f"`{a.id}`" not in text]
    assert missing == [], f"docs/report.md does not describe {missing}"


def test_readme_commands_are_those_ci_runs():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    test_command = 'pip install ".[test,browser]" && ruff check . && pytest'
    assert test_command in readme and ci.rstrip().endswith(test_command)
    assert "pip install . && cartkit demo --out report/" in readme


def test_data_format_doc_lists_every_xpt_name_and_label():
    import cartkit as ck
    from cartkit.derive.registry import PATIENT_VARIABLES, labels_for
    from cartkit.plan.default import default_plan
    from cartkit.report.xpt_names import column_labels, xpt_names

    text = (ROOT / "docs" / "data-format.md").read_text(encoding="utf-8")
    adam = ck.derive_adam(ck.simulate_study(n_patients=5, seed=0))
    plan = default_plan()
    adsl = [*adam.adsl.columns, *PATIENT_VARIABLES, *(v.name for v in plan.derived)]
    labels = labels_for(plan.derived).labels
    for name, columns in (("ADSL", adsl), ("ADTTE", list(adam.adtte.columns))):
        section = text[text.index(f"### {name} (`derived/{name.lower()}.xpt`)") :]
        names = xpt_names(columns)
        for column, label in column_labels(columns, names, labels).items():
            row = f"| `{column}` | `{names[column]}` | {label} |"
            assert row in section, f"docs/data-format.md lacks {row}"
