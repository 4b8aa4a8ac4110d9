//! Small dense symmetric positive-definite algebra (row-major `n × n`).

/// In-place Cholesky factorisation `A = L·Lᵀ` (lower triangle of `a` overwritten
/// by `L`). `false` when `A` is not positive definite (or not finite).
pub(crate) fn cholesky(a: &mut [f64], n: usize) -> bool {
    for j in 0..n {
        let mut s = a[j * n + j];
        for k in 0..j {
            s -= a[j * n + k] * a[j * n + k];
        }
        if !(s > 0.0 && s.is_finite()) {
            return false;
        }
        let d = s.sqrt();
        a[j * n + j] = d;
        for i in j + 1..n {
            let mut s = a[i * n + j];
            for k in 0..j {
                s -= a[i * n + k] * a[j * n + k];
            }
            a[i * n + j] = s / d;
        }
    }
    true
}

/// Solves `L·Lᵀ x = b` in place with a factor from [`cholesky`].
pub(crate) fn cholesky_solve(l: &[f64], n: usize, b: &mut [f64]) {
    for i in 0..n {
        let mut s = b[i];
        for k in 0..i {
            s -= l[i * n + k] * b[k];
        }
        b[i] = s / l[i * n + i];
    }
    for i in (0..n).rev() {
        let mut s = b[i];
        for k in i + 1..n {
            s -= l[k * n + i] * b[k];
        }
        b[i] = s / l[i * n + i];
    }
}

/// Solves `A x = b` for a symmetric matrix that should be positive definite; if it
/// is not, a growing ridge is added (a Levenberg–Marquardt safeguard). `a` is
/// destroyed. `false` if no ridge made it positive definite.
pub(crate) fn solve_spd_ridge(a: &mut [f64], n: usize, b: &mut [f64], work: &mut Vec<f64>) -> bool {
    work.clear();
    work.extend_from_slice(a);
    let scale = (0..n)
        .map(|i| a[i * n + i].abs())
        .fold(0.0, f64::max)
        .max(1e-12);
    let mut ridge = 0.0;
    for _ in 0..30 {
        a.copy_from_slice(work);
        for i in 0..n {
            a[i * n + i] += ridge;
        }
        if cholesky(a, n) {
            cholesky_solve(a, n, b);
            return b.iter().all(|v| v.is_finite());
        }
        ridge = if ridge == 0.0 {
            scale * 1e-8
        } else {
            ridge * 10.0
        };
    }
    false
}

/// Inverse of a symmetric positive-definite matrix, or `None` if it is not
/// positive definite.
pub(crate) fn invert_spd(a: &[f64], n: usize) -> Option<Vec<f64>> {
    let mut l = a.to_vec();
    if !cholesky(&mut l, n) {
        return None;
    }
    let mut inv = vec![0.0; n * n];
    let mut col = vec![0.0; n];
    for j in 0..n {
        col.iter_mut().for_each(|v| *v = 0.0);
        col[j] = 1.0;
        cholesky_solve(&l, n, &mut col);
        for i in 0..n {
            inv[i * n + j] = col[i];
        }
    }
    if inv.iter().all(|v| v.is_finite()) {
        Some(inv)
    } else {
        None
    }
}

/// `Σ aᵢ·bᵢ` with four running sums (so the loop vectorises and is not bound by
/// the latency of one chain of additions), combined in a fixed order: the same
/// bits on every platform.
#[inline]
pub(crate) fn dot(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let mut s = [0.0f64; 4];
    let (ca, cb) = (a.chunks_exact(4), b.chunks_exact(4));
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for i in 0..4 {
            s[i] += x[i] * y[i];
        }
    }
    let mut t = (s[0] + s[1]) + (s[2] + s[3]);
    for (x, y) in ra.iter().zip(rb) {
        t += x * y;
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inverse_of_a_known_matrix() {
        let a = [4.0, 2.0, 2.0, 3.0];
        let inv = invert_spd(&a, 2).unwrap();
        // det = 8; inverse = [3, -2; -2, 4] / 8.
        let want = [3.0 / 8.0, -0.25, -0.25, 0.5];
        for (x, y) in inv.iter().zip(want) {
            assert!((x - y).abs() < 1e-14);
        }
        assert!(invert_spd(&[1.0, 2.0, 2.0, 1.0], 2).is_none());
    }
}
