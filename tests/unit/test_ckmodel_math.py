"""The pieces of the population kinetic model someone could get wrong: model, derivatives,
M3 likelihood, imputation, importance-sampling derivatives, shrinkage."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.stats import norm, truncnorm

from cartkit.kinetics.popmodel.design import build_design
from cartkit.kinetics.popmodel.diagnostics import shrinkage
from cartkit.kinetics.popmodel.likelihood import marginal
from cartkit.kinetics.popmodel.models import one_compartment_oral, stein2019
from cartkit.kinetics.popmodel.residual import (
    ERRORS,
    impute_censored,
    loglik_derivatives,
    loglik_rows,
    mills,
)
from cartkit.kinetics.popmodel.simulate import simulate_kinetic_model
from cartkit.kinetics.popmodel.spec import Pop, Spec

STEIN = {"cmax": 30000.0, "tmax": 9.0, "rho": 0.8, "alpha": 0.15, "beta": 0.004, "fb": 0.01}


def stein_closed_form(t, cmax, tmax, rho, alpha, beta, fb):
    t = np.asarray(t, float)
    up = cmax * np.exp(rho * np.minimum(t - tmax, 0))
    s = np.maximum(t - tmax, 0)
    down = cmax * ((1 - fb) * np.exp(-alpha * s) + fb * np.exp(-beta * s))
    return np.where(t <= tmax, up, down)


def test_stein_prediction_is_the_published_closed_form():
    t = np.array([[0.5, 4.0, 9.0, 9.5, 28.0, 365.0, 1500.0]])
    phi = stein2019.to_phi(np.array([[STEIN[p] for p in stein2019.parameters]]))
    got = stein2019.evaluate(phi, t, scale="natural")
    want = stein_closed_form(t, **STEIN)
    np.testing.assert_allclose(got, want, rtol=1e-12)
    # continuous at Tmax, where both phases give Cmax
    assert got[0, 2] == pytest.approx(STEIN["cmax"], rel=1e-12)
    np.testing.assert_allclose(
        stein2019.evaluate(phi, t, scale="log"), np.log(want), rtol=1e-12, atol=1e-12
    )


def test_one_compartment_prediction_is_the_closed_form_and_its_limit():
    ka, cl, v, dose = 1.5, 0.04, 0.45, 4.0
    ke = cl / v
    t = np.array([[0.0, 0.25, 1.0, 3.0, 12.0, 24.0]])
    phi = np.log([[ka, cl, v]])
    got = one_compartment_oral.evaluate(phi, t, np.array([dose]))
    want = dose * ka / (v * (ka - ke)) * (np.exp(-ke * t) - np.exp(-ka * t))
    np.testing.assert_allclose(got, want, rtol=1e-12)
    # ka == ke: the 0/0 form has the limit dose/v * k t exp(-k t)
    phi_eq = np.log([[ke, cl, v]])
    limit = dose / v * ke * t * np.exp(-ke * t)
    np.testing.assert_allclose(
        one_compartment_oral.evaluate(phi_eq, t, np.array([dose])), limit, rtol=1e-5
    )


def numeric_jacobian(model, phi, t, dose, scale, h=1e-6):
    out = np.empty((*t.shape, phi.shape[-1]))
    for k in range(phi.shape[-1]):
        up, dn = phi.copy(), phi.copy()
        up[..., k] += h
        dn[..., k] -= h
        out[..., k] = (
            model.evaluate(up, t, dose, scale=scale) - model.evaluate(dn, t, dose, scale=scale)
        ) / (2 * h)
    return out


@pytest.mark.parametrize("scale", ["log", "natural"])
def test_stein_derivatives_match_finite_differences_on_both_sides_of_tmax(scale):
    rng = np.random.default_rng(1)
    base = stein2019.to_phi(np.array([STEIN[p] for p in stein2019.parameters]))
    phi = base + 0.3 * rng.standard_normal((6, 6))
    tmax = np.exp(phi[:, 1:2])
    # samples well before and after each profile's Tmax (the model has a kink at Tmax)
    t = np.concatenate([tmax * np.array([0.2, 0.6, 0.9]), tmax + np.array([2.0, 40, 400])], 1)
    value, jac = stein2019.evaluate(phi, t, scale=scale, jac=True)
    num = numeric_jacobian(stein2019, phi, t, None, scale)
    atol = 1e-7 * np.abs(value).max(axis=1)[:, None, None]
    assert (np.abs(jac - num) <= 1e-5 * np.abs(num) + atol).all()


@pytest.mark.parametrize("scale", ["log", "natural"])
def test_one_compartment_derivatives_match_finite_differences(scale):
    rng = np.random.default_rng(2)
    phi = np.log([1.5, 0.04, 0.45]) + 0.3 * rng.standard_normal((5, 3))
    t = np.tile([0.3, 1.0, 2.0, 6.0, 12.0, 24.0], (5, 1))
    dose = rng.uniform(3, 5, 5)
    _value, jac = one_compartment_oral.evaluate(phi, t, dose, scale=scale, jac=True)
    num = numeric_jacobian(one_compartment_oral, phi, t, dose, scale)
    np.testing.assert_allclose(jac, num, rtol=1e-5, atol=1e-9)


@given(
    st.lists(st.floats(-1.5, 1.5), min_size=6, max_size=6),
    st.floats(1.5, 3000.0),
)
def test_stein_log_derivative_is_the_natural_one_over_the_value(shift, day):
    phi = stein2019.to_phi(np.array([[STEIN[p] for p in stein2019.parameters]])) + shift
    t = np.array([[day]])
    value, dnat = stein2019.evaluate(phi, t, scale="natural", jac=True)
    logv, dlog = stein2019.evaluate(phi, t, scale="log", jac=True)
    assert np.log(value[0, 0]) == pytest.approx(logv[0, 0], rel=1e-10, abs=1e-10)
    np.testing.assert_allclose(dnat[0, 0] / value[0, 0], dlog[0, 0], rtol=1e-9, atol=1e-12)


def test_m3_term_is_the_normal_log_cdf_and_observed_is_the_log_density():
    f = np.array([[np.log(250.0), np.log(80.0)]])
    y = np.array([[0.0, np.log(95.0)]])
    lim = np.array([[np.log(100.0), 0.0]])
    cens = np.array([[True, False]])
    obs = ~cens
    sigma = 0.6
    got = loglik_rows(f, sigma**2, y, lim, obs, cens)
    want = norm.logcdf(np.log(100.0), loc=np.log(250.0), scale=sigma) + norm.logpdf(
        np.log(95.0), loc=np.log(80.0), scale=sigma
    )
    assert got[0] == pytest.approx(want, rel=1e-12)
    # censored only: exactly P(Y < LLOQ), far in the tail too (no log(0))
    far = loglik_rows(
        np.array([[40.0]]),
        0.25,
        np.zeros((1, 1)),
        np.array([[0.0]]),
        np.zeros((1, 1), bool),
        np.ones((1, 1), bool),
    )
    assert far[0] == pytest.approx(norm.logcdf(0.0, loc=40.0, scale=0.5), rel=1e-10)


def test_likelihood_derivatives_match_finite_differences():
    rng = np.random.default_rng(3)
    f = rng.normal(5, 1, (1, 8))
    u = rng.uniform(0.2, 2.0, (1, 8))
    y = f + rng.normal(0, 1, (1, 8))
    lim = f + rng.normal(0, 1.5, (1, 8))
    cens = np.array([[True, False] * 4])
    obs = ~cens

    def ll(ff, uu):
        return np.array(
            [
                loglik_rows(
                    ff[:, [j]], uu[:, [j]], y[:, [j]], lim[:, [j]], obs[:, [j]], cens[:, [j]]
                )[0]
                for j in range(8)
            ]
        )

    l_f, l_u, l_ff, l_fu, l_uu = loglik_derivatives(f, u, y, lim, obs, cens)
    h = 1e-5
    d_f = (ll(f + h, u) - ll(f - h, u)) / (2 * h)
    d_u = (ll(f, u + h) - ll(f, u - h)) / (2 * h)
    np.testing.assert_allclose(l_f[0], d_f, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(l_u[0], d_u, rtol=1e-6, atol=1e-8)
    d_ff = (ll(f + h, u) - 2 * ll(f, u) + ll(f - h, u)) / h**2
    d_uu = (ll(f, u + h) - 2 * ll(f, u) + ll(f, u - h)) / h**2
    d_fu = (ll(f + h, u + h) - ll(f + h, u - h) - ll(f - h, u + h) + ll(f - h, u - h)) / (4 * h * h)
    np.testing.assert_allclose(l_ff[0], d_ff, rtol=1e-3, atol=1e-4)
    np.testing.assert_allclose(l_uu[0], d_uu, rtol=1e-3, atol=1e-4)
    np.testing.assert_allclose(l_fu[0], d_fu, rtol=1e-3, atol=1e-4)


def test_mills_ratio_is_finite_far_in_the_left_tail():
    z = np.array([-40.0, -5.0, 0.0, 3.0])
    want = np.r_[40.0 + 1 / 40, norm.pdf(z[1:]) / norm.cdf(z[1:])]  # -z - 1/z as z -> -inf
    np.testing.assert_allclose(mills(z), want, rtol=1e-3)


def test_imputed_censored_values_follow_the_truncated_normal():
    rng = np.random.default_rng(4)
    n = 40000
    f = np.full((1, n), 1.0)
    lim = np.full((1, n), 0.5)
    cens = np.ones((1, n), bool)
    draws = impute_censored(rng, f, 0.25, lim, cens, np.zeros((1, n)))[0]
    assert draws.max() <= 0.5
    ref = truncnorm(-np.inf, (0.5 - 1.0) / 0.5, loc=1.0, scale=0.5)
    assert draws.mean() == pytest.approx(ref.mean(), abs=0.01)
    assert draws.std() == pytest.approx(ref.std(), abs=0.01)
    # a limit far below the prediction still gives finite draws below it
    far = impute_censored(
        rng, np.full((1, 5), 60.0), 0.25, np.zeros((1, 5)), cens[:, :5], np.zeros((1, 5))
    )
    assert np.isfinite(far).all() and (far <= 0).all()


def test_shrinkage_is_one_minus_sd_of_ebes_over_omega():
    eta = np.array([[0.1, 1.0], [-0.3, -1.0], [0.2, 0.5], [0.0, -0.5]])
    omega = np.array([0.5, 1.2])
    want = 1 - np.std(eta, axis=0, ddof=1) / omega
    np.testing.assert_allclose(shrinkage(eta, omega), want)
    # no spread in the EBEs: complete shrinkage
    assert shrinkage(np.zeros((5, 1)), np.array([0.7]))[0] == 1.0


def _small_problem(error="log_additive"):
    df = simulate_kinetic_model(
        12,
        [5, 8, 14, 28, 90, 180],
        STEIN,
        {"cmax": 1.0, "alpha": 0.5},
        0.4,
        lloq=200.0,
        seed=5,
        error=error,
    )
    err = ERRORS[error]
    spec = Spec(stein2019, err, tuple(p in ("cmax", "alpha") for p in stein2019.parameters))
    design = build_design(
        df, stein2019, err, id="patient_id", time="day", conc="copies_per_ug", dose=None, lloq=None
    )
    mu = stein2019.to_phi(np.array([STEIN[p] for p in stein2019.parameters]))
    omega = np.array([1.0, 0, 0, 0.5, 0, 0])
    pop = Pop(mu, np.zeros(0), omega, np.log([0.4]))
    return design, spec, pop


def test_importance_sampling_score_and_information_are_the_derivatives_of_its_loglik():
    # with the draws held fixed the IS log-likelihood is a smooth function of the parameters;
    # Louis' identities must give exactly its gradient and (minus) its Hessian
    design, spec, pop = _small_problem()
    mean = pop.mean(spec, design.covariates)[:, spec.rand_idx]
    cov = np.tile(np.diag([0.3, 0.2]) ** 2, (design.n_patients, 1, 1))
    seed = np.random.SeedSequence(9)

    def ll(vec):
        p = Pop.from_vector(spec, vec)
        return marginal(design, spec, p, mean, cov, np.random.default_rng(seed), 400)

    vec = pop.vector(spec)
    at = ll(vec)
    h = 1e-4
    grad = np.empty(vec.size)
    hess = np.empty((vec.size, vec.size))
    for i in range(vec.size):
        e = np.zeros(vec.size)
        e[i] = h
        up, dn = ll(vec + e), ll(vec - e)
        grad[i] = (up.loglik - dn.loglik) / (2 * h)
        hess[i] = (up.score - dn.score) / (2 * h)
    np.testing.assert_allclose(at.score, grad, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(-at.information, 0.5 * (hess + hess.T), rtol=1e-4, atol=1e-4)


def test_combined_error_m_step_is_the_maximum_of_the_residual_likelihood():
    from scipy.optimize import minimize

    from cartkit.kinetics.popmodel.saem import _combined_mstep

    rng = np.random.default_rng(0)
    f = rng.uniform(0.1, 10, (30, 8))
    mask = rng.random((30, 8)) < 0.9
    y = f + np.sqrt(0.3**2 + (0.15 * f) ** 2) * rng.standard_normal(f.shape)
    r2, f2 = ((y - f) ** 2)[mask], (f * f)[mask]

    def minus_2ll(q):
        u = np.exp(2 * q[0]) + np.exp(2 * q[1]) * f2
        return np.sum(np.log(u) + r2 / u)

    got = _combined_mstep(y, f, mask, np.log([1.0, 1.0]))
    ref = minimize(
        minus_2ll,
        np.log([1.0, 1.0]),
        method="Nelder-Mead",
        options={"xatol": 1e-10, "fatol": 1e-12, "maxiter": 5000},
    ).x
    np.testing.assert_allclose(got, ref, atol=1e-6)
