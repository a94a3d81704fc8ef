import numpy as np
import pytest

from cartkit.design import group_sequential, sample_size_survival
from cartkit.design.accrual import Accrual, event_probability
from cartkit.errors import DataError


def test_event_probability_closed_form_matches_quadrature():
    from scipy.integrate import quad

    acc = Accrual.build([0, 6, 24], [0.3, 0.7])
    lam, phi = 0.05, 0.01
    dens = acc.density

    def f(u, t):
        return lam / (lam + phi) * (1 - np.exp(-(lam + phi) * (t - u)))

    for t in (4.0, 15.0, 36.0):
        num = sum(
            d * quad(f, a, min(b, t), args=(t,))[0]
            for a, b, d in zip(acc.starts, acc.ends, dens, strict=True)
            if a < t
        )
        assert event_probability(t, acc, (lam, lam), (phi, phi), 1.0) == pytest.approx(
            num, rel=1e-10
        )


def test_given_patients_finds_the_follow_up_back():
    plan = sample_size_survival(0.7, 12, accrual_time=24, follow_up=12)
    back = sample_size_survival(0.7, 12, accrual_time=24, n_patients=plan.n_patients)
    assert back.follow_up == pytest.approx(12.0, abs=1e-8)
    assert back.events == pytest.approx(plan.events)


def test_equal_weights_are_uniform_accrual():
    a = sample_size_survival(0.7, 12, accrual_time=24, follow_up=12)
    b = sample_size_survival(
        0.7, 12, accrual_time=[0, 6, 24], accrual_intensity=[0.5, 0.5], follow_up=12
    )
    assert b.n_patients == pytest.approx(a.n_patients, rel=1e-12)
    # a slow start leaves less follow-up on average: more patients
    c = sample_size_survival(
        0.7, 12, accrual_time=[0, 6, 24], accrual_intensity=[0.2, 0.8], follow_up=12
    )
    assert c.n_patients < a.n_patients or c.n_patients > a.n_patients
    assert c.accrual_intensity[0] < c.accrual_intensity[1]


def test_absolute_intensity_fixes_the_patients():
    plan = sample_size_survival(0.7, 12, accrual_time=[0, 12, 24], accrual_intensity=[10, 20])
    assert plan.n_patients == pytest.approx(360.0)
    assert plan.analysis_times[-1] == pytest.approx(plan.accrual_end + plan.follow_up)


def test_accrual_is_an_alias_of_accrual_time():
    a = sample_size_survival(0.7, 12, accrual_time=30, follow_up=12)
    b = sample_size_survival(0.7, 12, accrual=30, follow_up=12)
    assert b.n_patients == a.n_patients
    with pytest.raises(DataError, match="not both"):
        sample_size_survival(0.7, 12, accrual=30, accrual_time=[0, 6, 30])


def test_dropout_needs_more_patients_not_more_events():
    a = sample_size_survival(0.7, 12, accrual_time=24, follow_up=12)
    b = sample_size_survival(0.7, 12, accrual_time=24, follow_up=12, dropout=0.1)
    assert b.events == pytest.approx(a.events)
    assert b.n_patients > a.n_patients


def test_group_sequential_plan_fields():
    d = group_sequential(3, power=0.9, spending="asOF")
    plan = sample_size_survival(0.75, 15, design=d, accrual_time=30, follow_up=18)
    assert plan.events == pytest.approx(d.logrank_events(0.75))
    assert np.all(np.diff(plan.analysis_times) > 0)
    assert plan.analysis_times[-1] == pytest.approx(48.0)
    assert plan.expected_duration < plan.max_duration
    assert plan.expected_patients <= plan.n_patients
    t = plan.table
    assert list(t["stage"]) == [1, 2, 3]
    assert "expected duration" in str(plan)


@pytest.mark.parametrize(
    "kwargs, words",
    [
        ({"follow_up": 12, "n_patients": 500}, "not both"),
        ({"n_patients": 100}, "smaller than the events"),
        ({"accrual_time": [6, 24]}, "break points starting at 0"),
        ({"accrual_time": [0, 6, 24], "accrual_intensity": [1.0]}, "one value"),
        ({"dropout": 1.5}, "dropout"),
        ({"design": "asOF"}, "group_sequential"),
    ],
)
def test_bad_arguments(kwargs, words):
    with pytest.raises(DataError, match=words):
        sample_size_survival(0.7, 12, **kwargs)
