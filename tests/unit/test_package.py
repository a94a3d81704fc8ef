import copy
import math
import pickle
import subprocess
import sys

import pytest

import cartkit as ck
from cartkit.results import Test


def test_import_is_lazy():
    code = (
        "import sys, cartkit; "
        "print(any(m in sys.modules for m in ('pandas', 'scipy', 'matplotlib')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_public_names_resolve():
    for name in ck.__all__:
        assert getattr(ck, name) is not None


def test_unknown_attribute():
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        ck.nope  # noqa: B018


def test_errors_are_value_errors():
    assert issubclass(ck.StudyValidationError, ValueError)
    assert issubclass(ck.DataError, ValueError)
    assert issubclass(ck.StudyValidationError, ck.CartkitError)


def test_test_result_is_immutable():
    t = Test("log-rank", statistic=1.5, p_value=0.2, dof=1, details={"observed": [1, 2]})
    with pytest.raises(AttributeError):
        t.p_value = 0.1
    with pytest.raises(TypeError):
        t.details["x"] = 1
    d = t.to_dict()
    assert d["test"] == "log-rank" and d["details"] == {"observed": [1, 2]}
    assert math.isnan(d["estimate"])


def test_test_result_pickles_and_stays_immutable():
    # figure specs holding a Test are drawn in other processes
    t = Test("Spearman", estimate=0.4, p_value=0.01, n=20, details={"method": "spearman"})
    for again in (pickle.loads(pickle.dumps(t)), copy.deepcopy(t)):
        assert (again.test, again.estimate, again.p_value, again.n) == ("Spearman", 0.4, 0.01, 20)
        assert math.isnan(again.statistic) and again.details["method"] == "spearman"
        with pytest.raises(TypeError):
            again.details["x"] = 1


def test_no_subpackage_shadows_a_public_function():
    # importing a subpackage binds its name on cartkit; a public name must never be a module
    import importlib
    import pkgutil
    import types

    for info in pkgutil.walk_packages(ck.__path__, "cartkit."):
        if not info.name.endswith("__main__"):
            importlib.import_module(info.name)
    shadowed = [n for n in ck.__all__ if isinstance(getattr(ck, n), types.ModuleType)]
    assert shadowed == []
