//! Quadrature rules for the standard normal latent distribution.
//!
//! Both rules give nodes `z_q` and weights `w_q` (summing to 1) such that
//! `E[f(Z)] ≈ Σ w_q f(z_q)` for `Z ~ N(0, 1)`. With a latent mean μ and standard
//! deviation σ, the calibration uses the nodes `θ_q = μ + σ z_q` with the same
//! weights, so estimating μ and σ moves the grid rather than re-weighting it.

use super::CalibrationError;

/// Largest number of quadrature points accepted.
pub const MAX_POINTS: usize = 201;

/// How the latent distribution is integrated.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Quadrature {
    /// Gauss–Hermite rule for the weight `exp(−z²/2)` (exact for polynomials of
    /// degree `2n − 1` against N(0, 1)); 21 to 41 points are usual.
    GaussHermite(usize),
    /// `points` equally spaced nodes on `[−bound, bound]`, weighted by the normal
    /// density and normalised (mirt's and BILOG's default style; 61 points on ±6 is
    /// mirt's unidimensional default). Robust when posteriors are sharp (long tests).
    Rectangular {
        /// Number of nodes.
        points: usize,
        /// Half-width of the grid, in standard deviations.
        bound: f64,
    },
}

impl Default for Quadrature {
    fn default() -> Self {
        Quadrature::Rectangular {
            points: 61,
            bound: 6.0,
        }
    }
}

impl Quadrature {
    /// Nodes and weights of the rule for N(0, 1).
    pub fn nodes_weights(&self) -> Result<(Vec<f64>, Vec<f64>), CalibrationError> {
        match *self {
            Quadrature::GaussHermite(n) => {
                if !(2..=MAX_POINTS).contains(&n) {
                    return Err(CalibrationError::Config(format!(
                        "Gauss-Hermite quadrature needs 2..={MAX_POINTS} points (got {n})"
                    )));
                }
                Ok(gauss_hermite(n))
            }
            Quadrature::Rectangular { points, bound } => {
                if !(2..=MAX_POINTS).contains(&points) {
                    return Err(CalibrationError::Config(format!(
                        "rectangular quadrature needs 2..={MAX_POINTS} points (got {points})"
                    )));
                }
                if !(bound.is_finite() && bound > 0.0 && bound <= 20.0) {
                    return Err(CalibrationError::Config(format!(
                        "rectangular quadrature bound must be in (0, 20] (got {bound})"
                    )));
                }
                let step = 2.0 * bound / (points - 1) as f64;
                let nodes: Vec<f64> = (0..points).map(|i| -bound + step * i as f64).collect();
                let mut weights: Vec<f64> = nodes.iter().map(|z| (-0.5 * z * z).exp()).collect();
                let total: f64 = weights.iter().sum();
                for w in &mut weights {
                    *w /= total;
                }
                Ok((nodes, weights))
            }
        }
    }
}

/// Gauss–Hermite nodes and weights for N(0, 1) (probabilists' form).
///
/// Newton iteration on the orthonormal Hermite polynomials (physicists' weight
/// `exp(−x²)`) from the classical asymptotic starting values (Numerical Recipes'
/// `gauher`), then `z = √2·x`, `w = w_x/√π`.
fn gauss_hermite(n: usize) -> (Vec<f64>, Vec<f64>) {
    let pim4 = std::f64::consts::PI.powf(-0.25);
    let mut x = vec![0.0; n];
    let mut w = vec![0.0; n];
    let m = n.div_ceil(2);
    let nf = n as f64;
    let mut z = 0.0f64;
    for i in 0..m {
        z = match i {
            0 => (2.0 * nf + 1.0).sqrt() - 1.85575 * (2.0 * nf + 1.0).powf(-1.0 / 6.0),
            1 => z - 1.14 * nf.powf(0.426) / z,
            2 => 1.86 * z - 0.86 * x[0],
            3 => 1.91 * z - 0.91 * x[1],
            _ => 2.0 * z - x[i - 2],
        };
        let mut pp = 1.0;
        for _ in 0..100 {
            let mut p1 = pim4;
            let mut p2 = 0.0;
            for j in 1..=n {
                let p3 = p2;
                p2 = p1;
                let jf = j as f64;
                p1 = z * (2.0 / jf).sqrt() * p2 - ((jf - 1.0) / jf).sqrt() * p3;
            }
            pp = (2.0 * nf).sqrt() * p2;
            let z1 = z;
            z = z1 - p1 / pp;
            if (z - z1).abs() <= 1e-15 * z.abs().max(1.0) {
                break;
            }
        }
        x[i] = z;
        x[n - 1 - i] = -z;
        w[i] = 2.0 / (pp * pp);
        w[n - 1 - i] = w[i];
    }
    let sqrt2 = std::f64::consts::SQRT_2;
    let sqrtpi = std::f64::consts::PI.sqrt();
    // Ascending order.
    let mut nodes: Vec<f64> = x.iter().rev().map(|v| v * sqrt2).collect();
    let mut weights: Vec<f64> = w.iter().rev().map(|v| v / sqrtpi).collect();
    // Renormalise away the last rounding so the weights sum to 1 exactly enough.
    let total: f64 = weights.iter().sum();
    for v in &mut weights {
        *v /= total;
    }
    if n % 2 == 1 {
        nodes[n / 2] = 0.0;
    }
    (nodes, weights)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn moment(nodes: &[f64], weights: &[f64], k: i32) -> f64 {
        nodes.iter().zip(weights).map(|(z, w)| w * z.powi(k)).sum()
    }

    #[test]
    fn gauss_hermite_integrates_normal_moments() {
        for n in [5, 21, 41, 101] {
            let (z, w) = Quadrature::GaussHermite(n).nodes_weights().unwrap();
            assert!((moment(&z, &w, 0) - 1.0).abs() < 1e-12, "n={n}");
            assert!(moment(&z, &w, 1).abs() < 1e-12, "n={n}");
            assert!((moment(&z, &w, 2) - 1.0).abs() < 1e-10, "n={n}");
            assert!((moment(&z, &w, 4) - 3.0).abs() < 1e-9, "n={n}");
            assert!(z.windows(2).all(|p| p[0] < p[1]));
        }
        // Known nodes (roots of the probabilists' Hermite polynomials):
        // He₄ = x⁴ − 6x² + 3, largest root sqrt(3 + sqrt(6));
        // He₅ = x⁵ − 10x³ + 15x, largest root sqrt(5 + sqrt(10)).
        let (z, _) = Quadrature::GaussHermite(4).nodes_weights().unwrap();
        assert!((z[3] - (3.0f64 + 6.0f64.sqrt()).sqrt()).abs() < 1e-12);
        let (z, _) = Quadrature::GaussHermite(5).nodes_weights().unwrap();
        assert!((z[4] - (5.0f64 + 10.0f64.sqrt()).sqrt()).abs() < 1e-12);
        assert_eq!(z[2], 0.0);
    }

    #[test]
    fn rectangular_rule_and_bad_configs() {
        let (z, w) = Quadrature::default().nodes_weights().unwrap();
        assert_eq!(z.len(), 61);
        assert!((moment(&z, &w, 2) - 1.0).abs() < 1e-6);
        assert!(Quadrature::GaussHermite(1).nodes_weights().is_err());
        assert!(Quadrature::Rectangular {
            points: 10,
            bound: f64::NAN
        }
        .nodes_weights()
        .is_err());
    }
}
