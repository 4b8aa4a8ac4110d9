//! Small numerical kernels of the E-step: an exponential written with `+`, `×`
//! and bit operations only, so that it vectorises and gives the same bits on every
//! platform (the browser's `exp` and the C library's may differ in the last
//! bit), and a four-lane sum.

use std::f64::consts::LOG2_E;

/// `ln 2` split for Cody–Waite reduction (fdlibm's `ln2HI`, `ln2LO`): `k·LN2_HI` is
/// exact for `|k| < 2¹¹`.
const LN2_HI: f64 = f64::from_bits(0x3fe6_2e42_fee0_0000);
const LN2_LO: f64 = f64::from_bits(0x3dea_39ef_3579_3c76);
/// `1.5·2⁵²`: adding it rounds to an integer held in the low mantissa bits.
const SHIFT: f64 = 6_755_399_441_055_744.0;

/// `eˣ` for `x ≤ 0`, within about 1 ulp (`x < −708` gives `e⁻⁷⁰⁸`, a value no
/// posterior weight can tell from 0 once normalised). `x` must not be NaN.
#[inline(always)]
pub(crate) fn exp_neg(x: f64) -> f64 {
    let x = x.clamp(-708.0, 0.0);
    // x = k·ln 2 + r, |r| ≤ ln 2 / 2.
    let kf = x * LOG2_E + SHIFT;
    let k = kf - SHIFT;
    let r = (x - k * LN2_HI) - k * LN2_LO;
    // eʳ by its Taylor series to degree 13 (remainder < 2·10⁻¹⁷ relative).
    let mut p = 1.0 / 6_227_020_800.0;
    p = p * r + 1.0 / 479_001_600.0;
    p = p * r + 1.0 / 39_916_800.0;
    p = p * r + 1.0 / 3_628_800.0;
    p = p * r + 1.0 / 362_880.0;
    p = p * r + 1.0 / 40_320.0;
    p = p * r + 1.0 / 5_040.0;
    p = p * r + 1.0 / 720.0;
    p = p * r + 1.0 / 120.0;
    p = p * r + 1.0 / 24.0;
    p = p * r + 1.0 / 6.0;
    p = p * r + 0.5;
    p = p * r + 1.0;
    p = p * r + 1.0;
    // 2ᵏ from the integer in kf's low bits (−1022 ≤ k ≤ 0).
    let k_int = kf.to_bits().wrapping_sub(SHIFT.to_bits());
    let scale = f64::from_bits(k_int.wrapping_add(1023) << 52);
    p * scale
}

/// `Σ vᵢ` with four running sums combined in a fixed order.
#[inline(always)]
pub(crate) fn sum4(v: &[f64]) -> f64 {
    let mut s = [0.0f64; 4];
    let c = v.chunks_exact(4);
    let rest = c.remainder();
    for x in c {
        for i in 0..4 {
            s[i] += x[i];
        }
    }
    let mut t = (s[0] + s[1]) + (s[2] + s[3]);
    for x in rest {
        t += x;
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exp_neg_matches_exp_to_a_few_ulps() {
        let mut worst: f64 = 0.0;
        for i in 0..=2_000_000 {
            let x = -708.0 * (i as f64 / 2_000_000.0).powi(3);
            let (a, b) = (exp_neg(x), x.exp());
            worst = worst.max(((a - b) / b).abs());
        }
        assert!(worst < 2.0 * f64::EPSILON, "worst relative error {worst:e}");
        assert_eq!(exp_neg(0.0), 1.0);
        assert_eq!(exp_neg(-1e-300), 1.0);
        assert!(exp_neg(-1000.0) > 0.0 && exp_neg(-1000.0) < 1e-300);
        assert_eq!(sum4(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0]), 28.0);
    }
}
