import numpy as np
import pandas as pd
import pytest
from scipy import stats

from cartkit.errors import DataError
from cartkit.survival import cumulative_incidence, gray_test


def crst_loop(t, m, g, ng, rho):
    """Score and variance of Gray's test in one stratum, time by time (test oracle).

    A plain transcription of the algorithm of Gray (1988) as organised in cmprsk's crst: ``m``
    is 1 for the cause tested, 2 for a competing event, 0 censored; ``g`` is 0..ng-1.
    """
    order = np.argsort(t, kind="stable")
    t, m, g = np.asarray(t, float)[order], np.asarray(m)[order], np.asarray(g)[order]
    n = len(t)
    rs = np.bincount(g, minlength=ng).astype(float)
    f1m, skmm = np.zeros(ng), np.ones(ng)
    f1, skm = np.zeros(ng), np.ones(ng)
    c = np.zeros((ng, ng))
    v3, v2 = np.zeros(ng), np.zeros((ng - 1, ng))
    s, v = np.zeros(ng - 1), np.zeros((ng - 1, ng - 1))
    fm = f = 0.0
    i = 0
    while i < n:
        j = i
        while j < n and t[j] == t[i]:
            j += 1
        d = np.zeros((3, ng))
        for k in range(i, j):
            d[m[k], g[k]] += 1
        nd1, nd2 = d[1].sum(), d[2].sum()
        if nd1 + nd2 > 0:
            tr = tq = 0.0
            for k in range(ng):
                if rs[k] > 0:
                    skm[k] = skmm[k] * (rs[k] - d[1, k] - d[2, k]) / rs[k]
                    f1[k] = f1m[k] + skmm[k] * d[1, k] / rs[k]
                    tr += rs[k] / skmm[k]
                    tq += rs[k] * (1 - f1m[k]) / skmm[k]
            f = fm + nd1 / tr
            fb = (1 - fm) ** rho
            a = np.zeros((ng, ng))
            for a_i in range(ng):
                if rs[a_i] <= 0:
                    continue
                t1 = rs[a_i] / skmm[a_i]
                for a_j in range(ng):
                    if rs[a_j] <= 0:
                        continue
                    if a_i == a_j:
                        a[a_i, a_j] = fb * t1 * (1 - t1 / tr)
                    else:
                        a[a_i, a_j] = -fb * t1 * rs[a_j] / (skmm[a_j] * tr)
                    c[a_i, a_j] += a[a_i, a_j] * nd1 / (tr * (1 - fm))
            for a_i in range(ng - 1):
                if rs[a_i] > 0:
                    s[a_i] += fb * (d[1, a_i] - nd1 * rs[a_i] * (1 - f1m[a_i]) / (skmm[a_i] * tq))
            if nd1 > 0:
                for k in range(ng):
                    if rs[k] <= 0:
                        continue
                    t4 = 1 - (1 - f) / skm[k] if skm[k] > 0 else 1.0
                    t5 = 1 - (nd1 - 1) / (tr * skmm[k] - 1) if nd1 > 1 else 1.0
                    t3 = t5 * skmm[k] * nd1 / (tr * rs[k])
                    v3[k] += t4 * t4 * t3
                    for a_i in range(ng - 1):
                        x1 = a[a_i, k] - t4 * c[a_i, k]
                        v2[a_i, k] += x1 * t4 * t3
                        for a_j in range(a_i + 1):
                            x2 = a[a_j, k] - t4 * c[a_j, k]
                            v[a_i, a_j] += x1 * x2 * t3
            if nd2 > 0:
                for k in range(ng):
                    if skm[k] <= 0 or d[2, k] <= 0:
                        continue
                    t4 = (1 - f) / skm[k]
                    t5 = 1 - (d[2, k] - 1) / (rs[k] - 1) if d[2, k] > 1 else 1.0
                    t3 = t5 * skmm[k] ** 2 * d[2, k] / rs[k] ** 2
                    v3[k] += t4 * t4 * t3
                    for a_i in range(ng - 1):
                        x1 = t4 * c[a_i, k]
                        v2[a_i, k] -= x1 * t4 * t3
                        for a_j in range(a_i + 1):
                            v[a_i, a_j] += x1 * t4 * c[a_j, k] * t3
        for k in range(i, j):
            rs[g[k]] -= 1
        fm = f
        f1m, skmm = f1.copy(), skm.copy()
        i = j
    for a_i in range(ng - 1):
        for a_j in range(a_i + 1):
            for k in range(ng):
                v[a_i, a_j] += c[a_i, k] * c[a_j, k] * v3[k]
                v[a_i, a_j] += c[a_i, k] * v2[a_j, k] + c[a_j, k] * v2[a_i, k]
            v[a_j, a_i] = v[a_i, a_j]
    return s, v


def frame(seed, n=90, groups=3, strata=2):
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "t": rng.integers(0, 15, n).astype(float),  # ties and time-zero events
            "e": rng.choice([0, 1, 2], n, p=[0.3, 0.35, 0.35]),
            "g": rng.integers(0, groups, n),
            "s": rng.integers(0, strata, n),
        }
    )


def oracle(df, cause, rho=0.0, strata=True):
    ng = df["g"].nunique()
    s, v = np.zeros(ng - 1), np.zeros((ng - 1, ng - 1))
    for _, part in df.groupby("s" if strata else np.zeros(len(df))):
        m = np.where(part["e"] == cause, 1, np.where(part["e"] > 0, 2, 0))
        sk, vk = crst_loop(part["t"].to_numpy(), m, part["g"].to_numpy(), ng, rho)
        s, v = s + sk, v + vk
    return float(s @ np.linalg.solve(v, s))


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("rho", [0.0, 1.0])
def test_three_groups_stratified_matches_loop(seed, rho):
    df = frame(seed)
    got = gray_test(df, time="t", event="e", group="g", strata="s", rho=rho)
    for cause in (1, 2):
        expected = oracle(df, cause, rho)
        test = got[cause]
        assert test.statistic == pytest.approx(expected, rel=1e-10)
        assert test.dof == 2
        assert test.p_value == pytest.approx(stats.chi2.sf(expected, 2), rel=1e-10)
        assert test.n == len(df) and test.details["n_events"] == int((df["e"] == cause).sum())
        assert test.details["rho"] == rho and test.details["n_strata"] == 2


def test_unstratified_matches_loop():
    df = frame(5, groups=4)
    got = cumulative_incidence(df, time="t", event="e", group="g").gray_test().table
    assert got["statistic"].tolist() == pytest.approx(
        [oracle(df, 1, strata=False), oracle(df, 2, strata=False)], rel=1e-10
    )
    assert got["dof"].tolist() == [3.0, 3.0]


def test_statistic_does_not_depend_on_which_group_is_left_out():
    df = frame(7)
    relabel = df.assign(g=df["g"].map({0: 2, 1: 0, 2: 1}))
    a = gray_test(df, time="t", event="e", group="g").table
    b = gray_test(relabel, time="t", event="e", group="g").table
    np.testing.assert_allclose(a["statistic"], b["statistic"], rtol=1e-9)


def test_identical_groups_give_zero():
    base = frame(11, groups=1)
    df = pd.concat([base.assign(g="a"), base.assign(g="b")], ignore_index=True)
    got = gray_test(df, time="t", event="e", group="g").table
    np.testing.assert_allclose(got["statistic"], 0.0, atol=1e-20)
    np.testing.assert_allclose(got["p_value"], 1.0)


def test_needs_two_groups():
    df = frame(1)
    with pytest.raises(DataError, match="two levels"):
        cumulative_incidence(df, time="t", event="e").gray_test()
    with pytest.raises(DataError, match="at least two groups"):
        gray_test(df.assign(g=1), time="t", event="e", group="g")


def test_cause_absent_from_a_group_still_tested():
    df = frame(4, groups=2)
    df.loc[(df["g"] == 1) & (df["e"] == 1), "e"] = 2
    got = gray_test(df, time="t", event="e", group="g").table
    assert got["cause"].tolist() == [1, 2]
    assert got["statistic"].iloc[0] == pytest.approx(oracle(df, 1, strata=False), rel=1e-10)
    assert got["p_value"].iloc[0] < 0.05


def test_strata_given_to_the_fit_are_used():
    df = frame(12)
    fit = cumulative_incidence(df, time="t", event="e", group="g", strata="s")
    pd.testing.assert_frame_equal(
        fit.gray_test().table, gray_test(df, time="t", event="e", group="g", strata="s").table
    )
    # the curves themselves ignore strata
    plain = cumulative_incidence(df, time="t", event="e", group="g")
    pd.testing.assert_frame_equal(fit.table, plain.table)


def test_singular_variance_gives_nan():
    # group "b" leaves follow-up before the first event: nothing to compare, V = 0
    # (cmprsk reports a statistic of -1 and p = 1 there)
    df = pd.DataFrame(
        {"t": [1.0, 2.0, 3.0, 4.0, 0.5, 0.5], "e": [1, 2, 1, 0, 0, 0], "g": list("aaaabb")}
    )
    got = gray_test(df, time="t", event="e", group="g").table
    assert got["statistic"].isna().all()
    assert got["p_value"].isna().all()
