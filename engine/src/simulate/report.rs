//! The simulation report: summary figures (serde), the conditional table as CSV and
//! two SVG plots, all as strings (the engine writes no file).

use std::collections::BTreeMap;
use std::fmt::Write;

use serde::{Deserialize, Serialize};

use super::{ExamineeResult, SimulationConfig};
use crate::bank::Bank;

/// Figures for one θ bin (conditional on the true θ).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BinRow {
    /// Lower edge (the first bin also holds everyone below).
    pub lo: f64,
    /// Upper edge (the last bin also holds everyone above).
    pub hi: f64,
    /// Examinees in the bin.
    pub examinees: usize,
    /// Mean true θ.
    pub mean_theta: f64,
    /// Mean of θ̂ − θ.
    pub bias: f64,
    /// Root mean square of θ̂ − θ.
    pub rmse: f64,
    /// Standard deviation of θ̂ − θ (the empirical standard error).
    pub sd_error: f64,
    /// Mean SE reported by the estimator.
    pub mean_se: f64,
    /// Mean test length.
    pub mean_length: f64,
    /// Success rate on the first five items.
    pub first_five_success: f64,
}

/// Classification figures for one true autonomy class.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ClassRow {
    /// Class number (0 = below the first cut).
    pub class: usize,
    /// Lower cut (`None` for the first class).
    pub lo: Option<f64>,
    /// Upper cut (`None` for the last class).
    pub hi: Option<f64>,
    /// Examinees whose true θ is in the class.
    pub examinees: usize,
    /// Share of them whose final estimate is in the same class.
    pub correct_rate: f64,
}

/// What a simulation shows about a configuration.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SimulationReport {
    /// Number of examinees.
    pub examinees: usize,
    /// Number of items in the bank.
    pub bank_items: usize,
    /// Mean of θ̂ − θ.
    pub bias: f64,
    /// Root mean square of θ̂ − θ.
    pub rmse: f64,
    /// Mean reported SE.
    pub mean_se: f64,
    /// Correlation of θ̂ and θ.
    pub correlation: f64,
    /// Mean test length.
    pub mean_length: f64,
    /// 95th percentile of test length (nearest rank).
    pub p95_length: usize,
    /// Shortest test.
    pub min_length: usize,
    /// Longest test.
    pub max_length: usize,
    /// Largest item exposure rate (share of examinees who got the item).
    pub max_exposure: f64,
    /// Share of the bank never given to anyone.
    pub never_used: f64,
    /// Mean proportion of items shared by two examinees' tests: `Σ rᵢ² / L̄` (rᵢ the
    /// exposure rates, L̄ the mean length; for fixed-length tests this is Barrada et
    /// al.'s `N/L·S²ᵣ + L/N`, as catsim computes; Chen, Ankenmann & Spray 2003 for
    /// variable length).
    pub overlap: f64,
    /// Success rate (mean score / max score) on the first five items, pooled.
    pub first_five_success: f64,
    /// How many tests stopped for each reason.
    pub stop_reasons: BTreeMap<String, usize>,
    /// Share of examinees whose estimated autonomy class is their true one (`None`
    /// without cuts).
    pub class_accuracy: Option<f64>,
    /// Classification by true class.
    pub classes: Vec<ClassRow>,
    /// Figures by θ bin.
    pub conditional: Vec<BinRow>,
    /// Exposure rate of each item, in bank order.
    pub exposure: Vec<f64>,
}

fn mean(sum: f64, n: usize) -> f64 {
    if n == 0 {
        0.0
    } else {
        sum / n as f64
    }
}

fn class_of(cuts: &[f64], theta: f64) -> usize {
    cuts.iter().take_while(|&&c| c <= theta).count()
}

/// Builds the report from the results in examinee order.
pub(super) fn build(
    bank: &Bank,
    config: &SimulationConfig,
    results: &[ExamineeResult],
    administered: &[u64],
) -> SimulationReport {
    let n = results.len();
    let (mut se_sum, mut err_sum, mut sq_sum, mut len_sum) = (0.0, 0.0, 0.0, 0usize);
    let (mut f5_sum, mut f5_n) = (0.0, 0usize);
    let mut reasons: BTreeMap<String, usize> = BTreeMap::new();
    for r in results {
        let e = r.estimate - r.theta;
        err_sum += e;
        sq_sum += e * e;
        se_sum += r.se;
        len_sum += r.length;
        f5_sum += r.first_five_success;
        f5_n += r.first_five_items;
        let name = r.reason.map_or("unfinished", |x| x.name());
        *reasons.entry(name.to_string()).or_insert(0) += 1;
    }
    let mean_length = mean(len_sum as f64, n);
    let mut lengths: Vec<usize> = results.iter().map(|r| r.length).collect();
    lengths.sort_unstable();
    let p95_length = if n == 0 {
        0
    } else {
        lengths[((0.95 * n as f64).ceil() as usize).clamp(1, n) - 1]
    };

    let exposure: Vec<f64> = administered
        .iter()
        .map(|&a| if n == 0 { 0.0 } else { a as f64 / n as f64 })
        .collect();
    let max_exposure = exposure.iter().copied().fold(0.0, f64::max);
    let never = administered.iter().filter(|&&a| a == 0).count();
    let sum_sq: f64 = exposure.iter().map(|r| r * r).sum();
    let overlap = if mean_length > 0.0 {
        sum_sq / mean_length
    } else {
        0.0
    };

    // Correlation.
    let mt = mean(results.iter().map(|r| r.theta).sum(), n);
    let me = mean(results.iter().map(|r| r.estimate).sum(), n);
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for r in results {
        let (x, y) = (r.theta - mt, r.estimate - me);
        sxy += x * y;
        sxx += x * x;
        syy += y * y;
    }
    let correlation = if sxx > 0.0 && syy > 0.0 {
        sxy / (sxx * syy).sqrt()
    } else {
        0.0
    };

    // Conditional table.
    let b = config.bins;
    let width = (b.hi - b.lo) / b.count as f64;
    #[derive(Default, Clone, Copy)]
    struct Acc {
        n: usize,
        theta: f64,
        err: f64,
        sq: f64,
        se: f64,
        len: f64,
        f5: f64,
        f5n: usize,
    }
    let mut acc = vec![Acc::default(); b.count];
    for r in results {
        let k = (((r.theta - b.lo) / width).floor().max(0.0) as usize).min(b.count - 1);
        let a = &mut acc[k];
        let e = r.estimate - r.theta;
        a.n += 1;
        a.theta += r.theta;
        a.err += e;
        a.sq += e * e;
        a.se += r.se;
        a.len += r.length as f64;
        a.f5 += r.first_five_success;
        a.f5n += r.first_five_items;
    }
    let conditional = acc
        .iter()
        .enumerate()
        .map(|(k, a)| {
            let bias = mean(a.err, a.n);
            let ms = mean(a.sq, a.n);
            BinRow {
                lo: b.lo + k as f64 * width,
                hi: if k + 1 == b.count {
                    b.hi
                } else {
                    b.lo + (k + 1) as f64 * width
                },
                examinees: a.n,
                mean_theta: mean(a.theta, a.n),
                bias,
                rmse: ms.sqrt(),
                sd_error: (ms - bias * bias).max(0.0).sqrt(),
                mean_se: mean(a.se, a.n),
                mean_length: mean(a.len, a.n),
                first_five_success: mean(a.f5, a.f5n),
            }
        })
        .collect();

    // Classes.
    let cuts = &config.autonomy_cuts;
    let (classes, class_accuracy) = if cuts.is_empty() {
        (Vec::new(), None)
    } else {
        let mut count = vec![0usize; cuts.len() + 1];
        let mut right = vec![0usize; cuts.len() + 1];
        for r in results {
            let c = class_of(cuts, r.theta);
            count[c] += 1;
            if class_of(cuts, r.estimate) == c {
                right[c] += 1;
            }
        }
        let rows = (0..=cuts.len())
            .map(|c| ClassRow {
                class: c,
                lo: c.checked_sub(1).and_then(|i| cuts.get(i)).copied(),
                hi: cuts.get(c).copied(),
                examinees: count[c],
                correct_rate: mean(right[c] as f64, count[c]),
            })
            .collect();
        (rows, Some(mean(right.iter().sum::<usize>() as f64, n)))
    };

    SimulationReport {
        examinees: n,
        bank_items: bank.len(),
        bias: mean(err_sum, n),
        rmse: mean(sq_sum, n).sqrt(),
        mean_se: mean(se_sum, n),
        correlation,
        mean_length,
        p95_length,
        min_length: lengths.first().copied().unwrap_or(0),
        max_length: lengths.last().copied().unwrap_or(0),
        max_exposure,
        never_used: mean(never as f64, bank.len()),
        overlap,
        first_five_success: mean(f5_sum, f5_n),
        stop_reasons: reasons,
        class_accuracy,
        classes,
        conditional,
        exposure,
    }
}

impl SimulationReport {
    /// The conditional table as CSV (comma-separated, `.` decimals, one header line):
    /// a technical file for analysis tools, not a user export.
    pub fn conditional_csv(&self) -> String {
        let mut s = String::from(
            "theta_lo,theta_hi,examinees,mean_theta,bias,rmse,sd_error,mean_se,mean_length,first_five_success\n",
        );
        for r in &self.conditional {
            // Writing to a String cannot fail.
            let _ = writeln!(
                s,
                "{},{},{},{:.6},{:.6},{:.6},{:.6},{:.6},{:.4},{:.6}",
                r.lo,
                r.hi,
                r.examinees,
                r.mean_theta,
                r.bias,
                r.rmse,
                r.sd_error,
                r.mean_se,
                r.mean_length,
                r.first_five_success
            );
        }
        s
    }

    /// Conditional standard error by θ bin: the mean reported SE and the empirical SD
    /// of the error, as an SVG line chart.
    pub fn conditional_se_svg(&self) -> String {
        let rows: Vec<&BinRow> = self
            .conditional
            .iter()
            .filter(|r| r.examinees > 0)
            .collect();
        let x0 = self.conditional.first().map_or(-3.0, |r| r.lo);
        let x1 = self.conditional.last().map_or(3.0, |r| r.hi);
        let ymax = rows
            .iter()
            .map(|r| r.mean_se.max(r.sd_error))
            .fold(0.0, f64::max);
        let ymax = nice_ceiling(ymax.max(0.1));
        let series = [
            (
                "mean reported SE",
                "#1b5e20",
                rows.iter()
                    .map(|r| (0.5 * (r.lo + r.hi), r.mean_se))
                    .collect::<Vec<_>>(),
            ),
            (
                "empirical SD of error",
                "#0d47a1",
                rows.iter()
                    .map(|r| (0.5 * (r.lo + r.hi), r.sd_error))
                    .collect(),
            ),
        ];
        let mut c = Chart::new(
            "Conditional standard error",
            "true θ",
            "SE",
            (x0, x1),
            (0.0, ymax),
        );
        for (name, colour, pts) in &series {
            c.line(name, colour, pts);
        }
        c.finish()
    }

    /// Histogram of item exposure rates (number of items per exposure band of 0.05),
    /// as an SVG bar chart.
    pub fn exposure_svg(&self) -> String {
        let width = 0.05;
        let top = self.max_exposure.max(width);
        let bands = ((top / width).ceil() as usize).clamp(1, 20);
        let mut counts = vec![0usize; bands];
        for &r in &self.exposure {
            let k = ((r / width).floor() as usize).min(bands - 1);
            counts[k] += 1;
        }
        let ymax = nice_ceiling(counts.iter().copied().max().unwrap_or(1).max(1) as f64);
        let mut c = Chart::new(
            "Item exposure",
            "exposure rate",
            "items",
            (0.0, bands as f64 * width),
            (0.0, ymax),
        );
        for (k, &n) in counts.iter().enumerate() {
            c.bar(
                k as f64 * width,
                (k + 1) as f64 * width,
                n as f64,
                "#0d47a1",
            );
        }
        c.finish()
    }
}

/// 1, 2 or 5 times a power of ten, at or above `v` (the top of a chart's axis).
pub fn nice_ceiling(v: f64) -> f64 {
    let p = 10f64.powf(v.log10().floor());
    for m in [1.0, 2.0, 5.0, 10.0] {
        if m * p >= v {
            return m * p;
        }
    }
    10.0 * p
}

/// A minimal SVG chart: axes with ticks, lines and bars, a legend. Text only (the
/// engine writes no file): `new`, then `line`s and `bar`s, then `finish`.
pub struct Chart {
    s: String,
    x: (f64, f64),
    y: (f64, f64),
    legend: usize,
}

const W: f64 = 640.0;
const H: f64 = 400.0;
const L: f64 = 64.0;
const R: f64 = 24.0;
const T: f64 = 40.0;
const B: f64 = 52.0;

impl Chart {
    /// A 640 × 400 chart with a title, axis labels and the ranges of both axes.
    pub fn new(title: &str, xlabel: &str, ylabel: &str, x: (f64, f64), y: (f64, f64)) -> Self {
        let mut s = String::new();
        let _ = write!(
            s,
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" viewBox="0 0 {W} {H}" font-family="sans-serif" font-size="13"><title>{title}</title><rect width="{W}" height="{H}" fill="white"/><text x="{}" y="24" text-anchor="middle" font-size="16">{title}</text>"#,
            W / 2.0
        );
        let mut c = Chart { s, x, y, legend: 0 };
        let (px0, py0) = c.at(x.0, y.0);
        let (px1, py1) = c.at(x.1, y.1);
        let _ = write!(
            c.s,
            r#"<path d="M{px0:.1} {py1:.1}V{py0:.1}H{px1:.1}" fill="none" stroke="black"/>"#
        );
        for i in 0..=5 {
            let xv = x.0 + (x.1 - x.0) * i as f64 / 5.0;
            let yv = y.0 + (y.1 - y.0) * i as f64 / 5.0;
            let (px, _) = c.at(xv, y.0);
            let (_, py) = c.at(x.0, yv);
            let _ = write!(
                c.s,
                r##"<path d="M{px:.1} {py0:.1}v5M{px0:.1} {py:.1}h-5" stroke="black"/><path d="M{px0:.1} {py:.1}H{px1:.1}" stroke="#ddd"/><text x="{px:.1}" y="{:.1}" text-anchor="middle">{}</text><text x="{:.1}" y="{:.1}" text-anchor="end">{}</text>"##,
                py0 + 20.0,
                fmt_tick(xv),
                px0 - 8.0,
                py + 4.0,
                fmt_tick(yv)
            );
        }
        let _ = write!(
            c.s,
            r#"<text x="{:.1}" y="{:.1}" text-anchor="middle">{xlabel}</text><text transform="translate(16 {:.1}) rotate(-90)" text-anchor="middle">{ylabel}</text>"#,
            (px0 + px1) / 2.0,
            H - 10.0,
            (py0 + py1) / 2.0
        );
        c
    }

    fn at(&self, x: f64, y: f64) -> (f64, f64) {
        let fx = if self.x.1 > self.x.0 {
            (x - self.x.0) / (self.x.1 - self.x.0)
        } else {
            0.0
        };
        let fy = if self.y.1 > self.y.0 {
            (y - self.y.0) / (self.y.1 - self.y.0)
        } else {
            0.0
        };
        (L + fx * (W - L - R), H - B - fy * (H - T - B))
    }

    /// A polyline with dots at `pts` and an entry `name` in the legend.
    pub fn line(&mut self, name: &str, colour: &str, pts: &[(f64, f64)]) {
        let mut d = String::new();
        for (i, &(x, y)) in pts.iter().enumerate() {
            let (px, py) = self.at(x, y.min(self.y.1));
            let _ = write!(d, "{}{px:.1} {py:.1}", if i == 0 { "M" } else { "L" });
        }
        let _ = write!(
            self.s,
            r#"<path d="{d}" fill="none" stroke="{colour}" stroke-width="2"/>"#
        );
        for &(x, y) in pts {
            let (px, py) = self.at(x, y.min(self.y.1));
            let _ = write!(
                self.s,
                r#"<circle cx="{px:.1}" cy="{py:.1}" r="3" fill="{colour}"/>"#
            );
        }
        let ly = T + 8.0 + 18.0 * self.legend as f64;
        self.legend += 1;
        let _ = write!(
            self.s,
            r#"<path d="M{:.1} {ly:.1}h24" stroke="{colour}" stroke-width="2"/><text x="{:.1}" y="{:.1}">{name}</text>"#,
            W - R - 190.0,
            W - R - 160.0,
            ly + 4.0
        );
    }

    /// A bar from `x0` to `x1`, of height `h`.
    pub fn bar(&mut self, x0: f64, x1: f64, h: f64, colour: &str) {
        let (px0, py0) = self.at(x0, 0.0);
        let (px1, py1) = self.at(x1, h);
        let _ = write!(
            self.s,
            r#"<rect x="{:.1}" y="{py1:.1}" width="{:.1}" height="{:.1}" fill="{colour}" stroke="white"/>"#,
            px0,
            (px1 - px0).max(0.0),
            (py0 - py1).max(0.0)
        );
    }

    /// The SVG document.
    pub fn finish(mut self) -> String {
        self.s.push_str("</svg>\n");
        self.s
    }
}

fn fmt_tick(v: f64) -> String {
    let r = (v * 100.0).round() / 100.0;
    if r == r.trunc() {
        format!("{r:.0}")
    } else {
        format!("{r}")
    }
}
