"""Risk group from genetic lesions: worked cases.

Rule (docs/endpoints.md "Risk group"): the NCCN standard-risk and poor-risk B-ALL genetic
groups (NCCN ALL guidelines as listed by BMJ Best Practice, the classification the paper cites as
ref. 9); a poor-risk lesion wins, then a standard-risk lesion, else unclassified; BCR::ABL1 is
standard without IKZF1plus / antecedent CML and poor with them; a given risk_group wins and
disagreements are reported.
"""

import pandas as pd
import pytest

from cartkit.derive.risk import compute_risk_group, derive_risk_group
from cartkit.errors import DataError

# lesions, expected, criterion
LESION_CASES = [
    ("KMT2A-r", "poor", "KMT2A rearrangement is unfavourable"),
    ("hypodiploidy", "poor", "hypodiploidy is unfavourable"),
    ("iAMP21", "poor", "iAMP21 is unfavourable"),
    ("TCF3::HLF", "poor", "HLF rearrangement is unfavourable"),
    ("Ph-like", "poor", "BCR::ABL1-like is unfavourable"),
    ("IKZF1plus", "poor", "IKZF1plus is unfavourable"),
    ("ETV6::RUNX1", "standard", "ETV6::RUNX1 is favourable"),
    ("hyperdiploidy", "standard", "high hyperdiploidy is favourable"),
    ("TCF3::PBX1", "standard", "TCF3::PBX1 is standard risk"),
    ("ETV6::RUNX1;KMT2A-r", "poor", "poor-risk lesion wins over standard"),
    ("BCR::ABL1", "standard", "BCR::ABL1 without IKZF1plus"),
    ("BCR::ABL1;IKZF1plus", "poor", "BCR::ABL1 with IKZF1plus"),
    ("BCR-ABL1 ; IKZF1+", "poor", "alternative spellings and spaces"),
    ("t(12;21)", "standard", "karyotype notation for ETV6::RUNX1"),
    ("normal karyotype", "unclassified", "no lesion"),
    ("TP53 mutation", "poor", "TP53 mutation is poor risk"),
    ("PAX5 P80R", "standard", "PAX5 P80R is standard risk"),
    ("PAX5alt", "poor", "other PAX5 alterations are poor risk"),
    ("ZNF384-r;hyperdiploidy", "poor", "ZNF384 rearrangement wins over hyperdiploidy"),
    ("complex karyotype", "poor", "complex karyotype (>= 5 abnormalities)"),
    ("IKZF1 deletion", "poor", "IKZF1 alteration"),
    ("BCR::ABL1;antecedent CML", "poor", "BCR::ABL1 with antecedent CML"),
    ("t(9;22);t(12;21)", "standard", "karyotype notation, two lesions"),
    ("CRLF2", "unclassified", "lesion not in the lists"),
    ("", None, "empty text: not derivable"),
    (None, None, "missing text: not derivable"),
]


@pytest.mark.parametrize(("lesions", "expected", "criterion"), LESION_CASES)
def test_lesion_combinations(lesions, expected, criterion):
    assert compute_risk_group([lesions]) == [expected], criterion


def test_bcr_abl1_option():
    assert compute_risk_group(["BCR::ABL1"], bcr_abl1_without_ikzf1plus="poor") == ["poor"]
    with pytest.raises(DataError, match="bcr_abl1_without_ikzf1plus"):
        compute_risk_group(["BCR::ABL1"], bcr_abl1_without_ikzf1plus="high")


def test_given_risk_group_wins_and_disagreement_is_reported():
    patients = pd.DataFrame(
        {
            "patient_id": ["A", "B", "C", "D"],
            "genetic_lesions": ["KMT2A-r", "ETV6::RUNX1;FOO1", None, None],
            "risk_group": ["standard", None, "Poor", None],
        }
    )
    res = derive_risk_group({"patients": patients})
    data = res.table.set_index("patient_id")

    def values(col):
        return [v if pd.notna(v) else None for v in data[col]]

    assert values("risk_group") == ["standard", "standard", "poor", None]
    assert values("risk_group_source") == ["given", "lesions", "given", None]
    assert data.loc["A", "risk_group_derived"] == "poor"
    checks = res.findings.set_index("patient_id")["check"].to_dict()
    assert checks == {"A": "risk_group", "B": "risk_lesion"}
    assert res.excluded["patient_id"].tolist() == ["D"]


def test_invalid_given_group():
    patients = pd.DataFrame({"patient_id": ["A"], "risk_group": ["high"]})
    with pytest.raises(DataError, match="risk_group must be one of"):
        derive_risk_group({"patients": patients})
