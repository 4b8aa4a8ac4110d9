//! Loading and validating the data folder: référentiel, context and bank files.
//!
//! Everything works on in-memory sources (path relative to the data folder, text),
//! so the embedded data and a folder on disk go through the same code. Pictures are
//! only checked when a picture reader is given (on disk).

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;
use toml::de::{DeValue, ValueDeserializer};

use repere_engine::irt::Item;

use crate::compact::engine_item;
use crate::diag::{Doc, Problem, Seg};
use crate::item::*;
use crate::note::{
    is_item_reason, stated_a, stated_band, stated_shift, BandError, MIN_REASON_WORDS,
};
use crate::referentiel::{BankTargets, Context, Referentiel};
use crate::score::{steps_achieved, Scene, FORM_SUBMIT, MAILBOX_BUTTONS, MAILBOX_FIELDS};
use crate::spoken_form::{is_address, SpokenText};
use crate::text::{breakable_spaces, long_sentences, normalise, MAX_WORDS_PER_SENTENCE};
use crate::{Bank, Normalise};

/// Which rules a data folder is checked against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rules {
    /// Every rule: the data being written and shipped (`items/data/`).
    Current,
    /// A version frozen as it shipped (`items/archive/<version>/`, kept so that
    /// logs of that version can still be replayed): everything a test needs is
    /// checked, but not the authoring rules added since it shipped (band and
    /// discrimination stated in `provenance.note`, the `[bank]` targets). Pictures
    /// are not read.
    Archived,
    /// Parameters written from data (`repere calibrate --write`): every rule, but
    /// the `[bank]` targets are reported apart ([`build_calibrated`]): where the
    /// data place the items is a finding, not an error of the file; the shortfall
    /// it shows (items to write) is printed, and `repere items check` still
    /// fails on it.
    Calibrated,
}

/// Reads a picture of `assets/pictures/` by file name: `None` if absent.
pub type PictureReader<'a> = &'a dyn Fn(&str) -> Option<String>;

/// The référentiel file, relative to the data folder.
pub const REFERENTIEL_FILE: &str = "referentiel.toml";
/// The context file, relative to the data folder.
pub const CONTEXT_FILE: &str = "context.toml";
/// The folder of item files, relative to the data folder.
pub const BANK_DIR: &str = "bank/";

/// Builds the bank from sources `(relative path, text)` under every rule
/// ([`Rules::Current`]); collects every problem.
pub fn build(
    sources: &[(String, String)],
    pictures: Option<PictureReader<'_>>,
) -> Result<Bank, Vec<Problem>> {
    build_with(sources, pictures, Rules::Current)
}

/// Builds an archived version's bank ([`Rules::Archived`]).
pub fn build_archived(sources: &[(String, String)]) -> Result<Bank, Vec<Problem>> {
    build_with(sources, None, Rules::Archived)
}

/// Builds a bank whose parameters come from data ([`Rules::Calibrated`]): the
/// bank and the `[bank]` targets it misses, or every other problem.
pub fn build_calibrated(
    sources: &[(String, String)],
    pictures: Option<PictureReader<'_>>,
) -> Result<(Bank, Vec<Problem>), Vec<Problem>> {
    let mut coverage = Vec::new();
    let bank = build_inner(sources, pictures, Rules::Calibrated, &mut coverage)?;
    Ok((bank, coverage))
}

/// What the `[bank]` targets count: the skill, status and location of every item
/// that could be read, valid or not (so a broken item does not also show as a
/// missing one).
struct Counted {
    skill: String,
    status: Status,
    location: f64,
}

fn build_with(
    sources: &[(String, String)],
    pictures: Option<PictureReader<'_>>,
    rules: Rules,
) -> Result<Bank, Vec<Problem>> {
    let mut coverage = Vec::new();
    let built = build_inner(sources, pictures, rules, &mut coverage);
    match built {
        Ok(bank) if coverage.is_empty() => Ok(bank),
        Ok(_) => {
            coverage.sort();
            Err(coverage)
        }
        Err(mut problems) => {
            problems.append(&mut coverage);
            problems.sort();
            problems.dedup();
            Err(problems)
        }
    }
}

/// Builds the bank under `rules`; the `[bank]` targets it misses go to `coverage`
/// (checked under [`Rules::Current`] and [`Rules::Calibrated`]).
fn build_inner(
    sources: &[(String, String)],
    pictures: Option<PictureReader<'_>>,
    rules: Rules,
    coverage: &mut Vec<Problem>,
) -> Result<Bank, Vec<Problem>> {
    let mut problems = Vec::new();
    let find = |name: &str| {
        sources
            .iter()
            .find(|(p, _)| p == name)
            .map(|(_, t)| t.as_str())
    };
    let missing = |name: &str| Problem {
        file: name.to_string(),
        line: 1,
        col: 1,
        message: "file is missing".to_string(),
    };

    for (path, _) in sources {
        let known = path == REFERENTIEL_FILE
            || path == CONTEXT_FILE
            || (path.starts_with(BANK_DIR)
                && path.ends_with(".toml")
                && !path[BANK_DIR.len()..].contains('/'));
        if !known {
            problems.push(Problem {
                file: path.clone(),
                line: 1,
                col: 1,
                message: format!(
                    "unexpected data file: expected `{REFERENTIEL_FILE}`, `{CONTEXT_FILE}` or `{BANK_DIR}<skill>.toml`"
                ),
            });
        }
    }

    // Context first: the référentiel's orientation rules refer to its answers.
    let context = match find(CONTEXT_FILE) {
        None => {
            problems.push(missing(CONTEXT_FILE));
            None
        }
        Some(text) => parse_context(text, &mut problems),
    };
    let referentiel = match find(REFERENTIEL_FILE) {
        None => {
            problems.push(missing(REFERENTIEL_FILE));
            None
        }
        Some(text) => parse_referentiel(text, context.as_ref(), &mut problems),
    };

    let mut items: Vec<BankItem> = Vec::new();
    // (id, file, position of the id) of every item that parsed, valid or not.
    let mut ids: Vec<(String, String, String)> = Vec::new();
    let mut bank_files: Vec<&(String, String)> = sources
        .iter()
        .filter(|(p, _)| p.starts_with(BANK_DIR))
        .collect();
    bank_files.sort_by(|a, b| a.0.cmp(&b.0));
    let mut enemy_refs: Vec<(String, Problem)> = Vec::new(); // enemy id, problem if it does not exist
    let mut counted: Vec<Counted> = Vec::new();
    for (path, text) in bank_files {
        let doc = match Doc::parse(path, text) {
            Ok(d) => d,
            Err(p) => {
                problems.push(p);
                continue;
            }
        };
        parse_bank_file(
            &doc,
            referentiel.as_ref(),
            pictures,
            rules,
            &mut Found {
                items: &mut items,
                ids: &mut ids,
                enemy_refs: &mut enemy_refs,
                counted: &mut counted,
            },
            &mut problems,
        );
    }
    if rules != Rules::Archived {
        if let (Some(r), Some(text)) = (&referentiel, find(REFERENTIEL_FILE)) {
            if let Some(targets) = &r.bank {
                check_targets(text, r, targets, &counted, coverage);
            }
        }
    }

    // Duplicate ids across the whole bank.
    let mut first: BTreeMap<&str, &str> = BTreeMap::new();
    for (id, file, pos) in &ids {
        if let Some(prev) = first.get(id.as_str()) {
            let (line, col) = parse_pos(pos);
            problems.push(Problem {
                file: file.clone(),
                line,
                col,
                message: format!("duplicate item id `{id}` (first defined at {prev})"),
            });
        } else {
            first.insert(id, pos);
        }
    }
    for (enemy, problem) in enemy_refs {
        if !first.contains_key(enemy.as_str()) {
            problems.push(problem);
        }
    }

    if !problems.is_empty() {
        problems.sort();
        problems.dedup();
        return Err(problems);
    }
    match (referentiel, context) {
        (Some(referentiel), Some(context)) => Ok(Bank::new(referentiel, context, items)),
        // Unreachable: a missing file is a problem. Kept total rather than panicking.
        _ => Err(vec![missing(REFERENTIEL_FILE)]),
    }
}

/// `file:line:col` back to `(line, col)`.
fn parse_pos(pos: &str) -> (usize, usize) {
    let mut it = pos.rsplit(':');
    let col = it.next().and_then(|c| c.parse().ok()).unwrap_or(1);
    let line = it.next().and_then(|l| l.parse().ok()).unwrap_or(1);
    (line, col)
}

fn falc(doc: &Doc<'_>, path: &[Seg<'_>], what: &str, text: &str, problems: &mut Vec<Problem>) {
    for (n, start) in long_sentences(text, MAX_WORDS_PER_SENTENCE) {
        problems.push(doc.at(
            path,
            format!("sentence of {n} words in `{what}` (FALC limit {MAX_WORDS_PER_SENTENCE}): \"{start}\""),
        ));
    }
    for (sign, around) in breakable_spaces(text) {
        let place = if sign == '«' { "after" } else { "before" };
        problems.push(doc.at(
            path,
            format!(
                "ordinary space {place} `{sign}` in `{what}`: write a no-break space (U+00A0) \
                 so the line cannot break there: \"{around}\""
            ),
        ));
    }
}

fn non_empty(doc: &Doc<'_>, path: &[Seg<'_>], what: &str, text: &str, problems: &mut Vec<Problem>) {
    if text.trim().is_empty() {
        problems.push(doc.at(path, format!("`{what}` is empty")));
    }
}

fn is_id(s: &str) -> bool {
    !s.is_empty()
        && s.chars().next().is_some_and(|c| c.is_ascii_lowercase())
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
}

fn is_skill_id(s: &str) -> bool {
    s.contains('.') && s.split('.').all(is_id)
}

fn is_semver(s: &str) -> bool {
    let parts: Vec<&str> = s.split('.').collect();
    parts.len() == 3
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.chars().all(|c| c.is_ascii_digit())
                && (p.len() == 1 || !p.starts_with('0'))
        })
}

fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
        && matches!(s[5..7].parse::<u32>(), Ok(1..=12))
        && matches!(s[8..10].parse::<u32>(), Ok(1..=31))
}

// ------------------------------------------------------------------ context

fn parse_context(text: &str, problems: &mut Vec<Problem>) -> Option<Context> {
    let doc = match Doc::parse(CONTEXT_FILE, text) {
        Ok(d) => d,
        Err(p) => {
            problems.push(p);
            return None;
        }
    };
    let ctx = match Context::deserialize(toml::de::Deserializer::from(doc.root.clone())) {
        Ok(c) => c,
        Err(e) => {
            problems.push(doc.de_error(&e, &[]));
            return None;
        }
    };
    let before = problems.len();
    let mut qids = BTreeMap::new();
    for (qi, q) in ctx.questions.iter().enumerate() {
        let qp = [Seg::K("question"), Seg::I(qi)];
        let at = |k| [Seg::K("question"), Seg::I(qi), Seg::K(k)];
        if !is_id(&q.id) {
            problems.push(doc.at(
                &at("id"),
                format!(
                    "invalid id `{}`: use lowercase letters, digits and `-`",
                    q.id
                ),
            ));
        }
        if let Some(prev) = qids.insert(q.id.as_str(), doc.pos(&at("id"))) {
            problems.push(doc.at(
                &at("id"),
                format!("duplicate question id `{}` (first defined at {prev})", q.id),
            ));
        }
        falc(&doc, &at("label"), "label", &q.label, problems);
        non_empty(
            &doc,
            &at("read_aloud"),
            "read_aloud",
            &q.read_aloud,
            problems,
        );
        if q.answers.len() < 2 {
            problems.push(doc.at(&qp, "a question needs at least 2 answers"));
        }
        let mut aids = BTreeMap::new();
        for (ai, a) in q.answers.iter().enumerate() {
            let ap = |k| {
                [
                    Seg::K("question"),
                    Seg::I(qi),
                    Seg::K("answer"),
                    Seg::I(ai),
                    Seg::K(k),
                ]
            };
            if let Some(prev) = aids.insert(a.id.as_str(), doc.pos(&ap("id"))) {
                problems.push(doc.at(
                    &ap("id"),
                    format!("duplicate answer id `{}` (first defined at {prev})", a.id),
                ));
            }
            falc(&doc, &ap("label"), "label", &a.label, problems);
            if a.exclusive && !q.multiple {
                problems.push(doc.at(
                    &ap("exclusive"),
                    "`exclusive` only makes sense in a `multiple` question",
                ));
            }
        }
    }
    for (qi, q) in ctx.questions.iter().enumerate() {
        for (wi, w) in q.when_any.iter().enumerate() {
            let at = [
                Seg::K("question"),
                Seg::I(qi),
                Seg::K("when_any"),
                Seg::I(wi),
            ];
            if let Some(m) = answer_ref_problem(&ctx, w) {
                problems.push(doc.at(&at, m));
                continue;
            }
            let earlier = w
                .split_once(':')
                .is_some_and(|(wq, _)| ctx.questions[..qi].iter().any(|x| x.id == wq));
            if !earlier {
                problems.push(doc.at(
                    &at,
                    format!("`{w}` must answer a question asked before `{}`", q.id),
                ));
            }
        }
    }
    for (ri, r) in ctx.start_rules.iter().enumerate() {
        for (wi, w) in r.when_all.iter().enumerate() {
            if let Some(m) = answer_ref_problem(&ctx, w) {
                problems.push(doc.at(
                    &[Seg::K("start"), Seg::I(ri), Seg::K("when_all"), Seg::I(wi)],
                    m,
                ));
            }
        }
        if !(r.prior_sd.is_finite() && r.prior_sd > 0.0) {
            problems.push(doc.at(
                &[Seg::K("start"), Seg::I(ri), Seg::K("prior_sd")],
                "`prior_sd` must be > 0",
            ));
        }
        if !r.prior_mean.is_finite() {
            problems.push(doc.at(
                &[Seg::K("start"), Seg::I(ri), Seg::K("prior_mean")],
                "`prior_mean` must be finite",
            ));
        }
    }
    match ctx.start_rules.last() {
        Some(last) if last.when_all.is_empty() => {}
        _ => problems.push(doc.at(
            &[Seg::K("start")],
            "the last `[[start]]` rule must have no condition (it is the default prior)",
        )),
    }
    (problems.len() == before).then_some(ctx)
}

/// Checks a `"question:answer"` reference.
fn answer_ref_problem(ctx: &Context, r: &str) -> Option<String> {
    let Some((q, a)) = r.split_once(':') else {
        return Some(format!("`{r}` must be written `question:answer`"));
    };
    let Some(question) = ctx.questions.iter().find(|x| x.id == q) else {
        return Some(format!("unknown context question `{q}` in `{r}`"));
    };
    if question.answers.iter().any(|x| x.id == a) {
        None
    } else {
        Some(format!("unknown answer `{a}` of context question `{q}`"))
    }
}

// -------------------------------------------------------------- référentiel

fn parse_referentiel(
    text: &str,
    ctx: Option<&Context>,
    problems: &mut Vec<Problem>,
) -> Option<Referentiel> {
    let doc = match Doc::parse(REFERENTIEL_FILE, text) {
        Ok(d) => d,
        Err(p) => {
            problems.push(p);
            return None;
        }
    };
    let r = match Referentiel::deserialize(toml::de::Deserializer::from(doc.root.clone())) {
        Ok(r) => r,
        Err(e) => {
            problems.push(doc.de_error(&e, &[]));
            return None;
        }
    };
    let before = problems.len();
    if !is_semver(&r.version) {
        problems.push(doc.at(
            &[Seg::K("version")],
            format!("version `{}` is not `MAJOR.MINOR.PATCH`", r.version),
        ));
    }
    let fw = &r.frameworks;
    let services: BTreeSet<&str> = fw.mediation.services.iter().map(String::as_str).collect();
    let modalites: BTreeSet<&str> = fw.mediation.modalites.iter().map(String::as_str).collect();
    let check_services = |list: &[String], base: &[Seg<'_>], problems: &mut Vec<Problem>| {
        for (i, s) in list.iter().enumerate() {
            if !services.contains(s.as_str()) {
                let mut p = base.to_vec();
                p.push(Seg::I(i));
                problems.push(doc.at(
                    &p,
                    format!("`{s}` is not a service of the schema {}", fw.mediation.name),
                ));
            }
        }
    };

    let mut level_ids = Vec::new();
    for (i, l) in r.levels.iter().enumerate() {
        let at = |k| [Seg::K("level"), Seg::I(i), Seg::K(k)];
        if level_ids.contains(&l.id.as_str()) {
            problems.push(doc.at(&at("id"), format!("duplicate level id `{}`", l.id)));
        }
        level_ids.push(l.id.as_str());
        falc(
            &doc,
            &at("description"),
            "description",
            &l.description,
            problems,
        );
    }

    let mut domain_ids: BTreeMap<&str, String> = BTreeMap::new();
    for (di, d) in r.domains.iter().enumerate() {
        let at = |k| [Seg::K("domain"), Seg::I(di), Seg::K(k)];
        if !is_id(&d.id) {
            problems.push(doc.at(&at("id"), format!("invalid domain id `{}`", d.id)));
        }
        if let Some(prev) = domain_ids.insert(&d.id, doc.pos(&at("id"))) {
            problems.push(doc.at(
                &at("id"),
                format!("duplicate domain id `{}` (first defined at {prev})", d.id),
            ));
        }
        falc(
            &doc,
            &at("description"),
            "description",
            &d.description,
            problems,
        );
        let listed: Vec<&str> = d.levels.iter().map(|l| l.level.as_str()).collect();
        if listed != level_ids {
            problems.push(doc.at(
                &at("level"),
                format!(
                    "domain levels must be the `[[level]]` ids in order: {}",
                    level_ids.join(", ")
                ),
            ));
        }
        let mut prev: Option<f64> = None;
        for (li, l) in d.levels.iter().enumerate() {
            let lp = |k| {
                [
                    Seg::K("domain"),
                    Seg::I(di),
                    Seg::K("level"),
                    Seg::I(li),
                    Seg::K(k),
                ]
            };
            falc(
                &doc,
                &lp("description"),
                "description",
                &l.description,
                problems,
            );
            cut_point(
                &doc,
                &lp("from_theta"),
                li,
                l.from_theta,
                &mut prev,
                problems,
            );
        }
    }

    let mut skill_ids: BTreeMap<&str, String> = BTreeMap::new();
    for (si, s) in r.skills.iter().enumerate() {
        let at = |k| [Seg::K("skill"), Seg::I(si), Seg::K(k)];
        if !is_skill_id(&s.id) {
            problems.push(doc.at(
                &at("id"),
                format!(
                    "invalid skill id `{}`: use dotted lowercase words like `mail.attach`",
                    s.id
                ),
            ));
        }
        if let Some(prev) = skill_ids.insert(&s.id, doc.pos(&at("id"))) {
            problems.push(doc.at(
                &at("id"),
                format!("duplicate skill id `{}` (first defined at {prev})", s.id),
            ));
        }
        if !domain_ids.contains_key(s.domain.as_str()) {
            problems.push(doc.at(&at("domain"), format!("unknown domain `{}`", s.domain)));
        }
        falc(&doc, &at("label"), "label", &s.label, problems);
        falc(
            &doc,
            &at("description"),
            "description",
            &s.description,
            problems,
        );
        for (list, key, framework) in [
            (&s.crcn, "crcn", &fw.crcn),
            (&s.digcomp, "digcomp", &fw.digcomp),
        ] {
            if list.is_empty() {
                problems.push(doc.at(&at(key), format!("`{key}` needs at least one competence")));
            }
            for (i, c) in list.iter().enumerate() {
                if !framework.competences.contains_key(c) {
                    problems.push(doc.at(
                        &[Seg::K("skill"), Seg::I(si), Seg::K(key), Seg::I(i)],
                        format!("`{c}` is not a competence of {}", framework.name),
                    ));
                }
            }
        }
        if !(1..=8).contains(&s.crcn_level) {
            problems.push(doc.at(&at("crcn_level"), "`crcn_level` must be between 1 and 8"));
        }
        if s.services.is_empty() {
            problems.push(doc.at(&at("services"), "`services` needs at least one service"));
        }
        check_services(&s.services, &at("services"), problems);
        if !s.typical_b.is_finite() {
            problems.push(doc.at(&at("typical_b"), "`typical_b` must be finite"));
        }
    }
    for d in &r.domains {
        if !r.skills.iter().any(|s| s.domain == d.id) {
            let i = r.domains.iter().position(|x| x.id == d.id).unwrap_or(0);
            problems.push(doc.at(
                &[Seg::K("domain"), Seg::I(i), Seg::K("id")],
                format!("domain `{}` has no skill", d.id),
            ));
        }
    }

    // Profile rules.
    let p = &r.profile;
    if !(p.typical_a.is_finite() && p.typical_a > 0.0) {
        problems.push(doc.at(
            &[Seg::K("profile"), Seg::K("typical_a")],
            "`typical_a` must be > 0",
        ));
    }
    let mut prev_p = f64::INFINITY;
    for (i, s) in p.statuses.iter().enumerate() {
        let at = |k| [Seg::K("profile"), Seg::K("status"), Seg::I(i), Seg::K(k)];
        if !(0.0..=1.0).contains(&s.min_probability) || s.min_probability >= prev_p {
            problems.push(doc.at(
                &at("min_probability"),
                "`min_probability` must be in [0, 1] and decrease from one status to the next",
            ));
        }
        prev_p = s.min_probability;
        falc(
            &doc,
            &at("description"),
            "description",
            &s.description,
            problems,
        );
    }
    if p.statuses.last().is_none_or(|s| s.min_probability != 0.0) {
        problems.push(doc.at(
            &[Seg::K("profile"), Seg::K("status")],
            "the last status must have `min_probability = 0`",
        ));
    }
    let mut prev = None;
    let mut class_ids = Vec::new();
    for (i, c) in p.classes.iter().enumerate() {
        let at = |k| [Seg::K("profile"), Seg::K("class"), Seg::I(i), Seg::K(k)];
        class_ids.push(c.id.as_str());
        falc(
            &doc,
            &at("description"),
            "description",
            &c.description,
            problems,
        );
        cut_point(
            &doc,
            &at("from_theta"),
            i,
            c.from_theta,
            &mut prev,
            problems,
        );
    }
    let o = &p.orientation;
    let op = |k| [Seg::K("profile"), Seg::K("orientation"), Seg::K(k)];
    let mut modality_ids = Vec::new();
    for (i, m) in o.modalities.iter().enumerate() {
        let at = |k| {
            [
                Seg::K("profile"),
                Seg::K("orientation"),
                Seg::K("modality"),
                Seg::I(i),
                Seg::K(k),
            ]
        };
        modality_ids.push(m.id.as_str());
        falc(
            &doc,
            &at("description"),
            "description",
            &m.description,
            problems,
        );
        for (j, x) in m.modalites.iter().enumerate() {
            if !modalites.contains(x.as_str()) {
                problems.push(doc.at(
                    &[
                        Seg::K("profile"),
                        Seg::K("orientation"),
                        Seg::K("modality"),
                        Seg::I(i),
                        Seg::K("modalites"),
                        Seg::I(j),
                    ],
                    format!(
                        "`{x}` is not a modalite of the schema {}",
                        fw.mediation.name
                    ),
                ));
            }
        }
        check_services(&m.services, &at("services"), problems);
        for st in &m.work_on {
            if !p.statuses.iter().any(|x| &x.id == st) {
                problems.push(doc.at(&at("work_on"), format!("unknown status `{st}`")));
            }
        }
        for prog in &m.programmes {
            if !crate::places::model::PROGRAMMES.contains(&prog.as_str()) {
                problems.push(doc.at(
                    &at("programmes"),
                    format!("`{prog}` is not a programme of the schema (dispositif_programmes_nationaux)"),
                ));
            }
        }
    }
    let answer_ok = |r: &str| {
        ctx.map_or(Some(()), |c| {
            answer_ref_problem(c, r).is_none().then_some(())
        })
    };
    for (i, rule) in o.rules.iter().enumerate() {
        let at = |k| {
            [
                Seg::K("profile"),
                Seg::K("orientation"),
                Seg::K("rule"),
                Seg::I(i),
                Seg::K(k),
            ]
        };
        if !modality_ids.contains(&rule.modality.as_str()) {
            problems.push(doc.at(
                &at("modality"),
                format!("unknown modality `{}`", rule.modality),
            ));
        }
        for c in &rule.when_class {
            if !class_ids.contains(&c.as_str()) {
                problems.push(doc.at(&at("when_class"), format!("unknown class `{c}`")));
            }
        }
        for a in &rule.when_answer {
            if answer_ok(a).is_none() {
                problems.push(doc.at(&at("when_answer"), format!("unknown context answer `{a}`")));
            }
        }
        for dl in &rule.when_domain_level {
            let ok = dl
                .split_once(':')
                .is_some_and(|(d, l)| domain_ids.contains_key(d) && level_ids.contains(&l));
            if !ok {
                problems.push(doc.at(
                    &at("when_domain_level"),
                    format!("`{dl}` is not `domain:level`"),
                ));
            }
        }
    }
    match o.rules.last() {
        Some(l)
            if l.when_class.is_empty()
                && l.when_answer.is_empty()
                && l.when_domain_level.is_empty() => {}
        _ => problems.push(doc.at(
            &op("rule"),
            "the last orientation rule must have no condition (fallback)",
        )),
    }
    for (i, adj) in o.adjustments.iter().enumerate() {
        let at = |k| {
            [
                Seg::K("profile"),
                Seg::K("orientation"),
                Seg::K("adjust"),
                Seg::I(i),
                Seg::K(k),
            ]
        };
        for a in &adj.when_answer {
            if answer_ok(a).is_none() {
                problems.push(doc.at(&at("when_answer"), format!("unknown context answer `{a}`")));
            }
        }
        check_services(&adj.add_services, &at("add_services"), problems);
    }
    for (i, need) in o.needs.iter().enumerate() {
        let at = |k| {
            [
                Seg::K("profile"),
                Seg::K("orientation"),
                Seg::K("need"),
                Seg::I(i),
                Seg::K(k),
            ]
        };
        if need.when_answer.is_empty() {
            problems.push(doc.at(
                &at("when_answer"),
                "at least one context answer is required",
            ));
        }
        for a in &need.when_answer {
            if answer_ok(a).is_none() {
                problems.push(doc.at(&at("when_answer"), format!("unknown context answer `{a}`")));
            }
        }
        if crate::places::Need::from_id(&need.need).is_none() {
            let known: Vec<&str> = crate::places::Need::ALL.iter().map(|n| n.id()).collect();
            problems.push(doc.at(
                &at("need"),
                format!("unknown need `{}` (known: {})", need.need, known.join(", ")),
            ));
        }
    }
    (problems.len() == before).then_some(r)
}

/// Checks one cut point of an ordered list of levels or classes.
fn cut_point(
    doc: &Doc<'_>,
    path: &[Seg<'_>],
    index: usize,
    value: Option<f64>,
    prev: &mut Option<f64>,
    problems: &mut Vec<Problem>,
) {
    match (index, value) {
        (0, None) => {}
        (0, Some(_)) => {
            problems.push(doc.at(path, "the first level starts at −∞: remove `from_theta`"))
        }
        (_, None) => problems.push(doc.at(path, "`from_theta` is required after the first level")),
        (_, Some(t)) => {
            if !t.is_finite() || prev.is_some_and(|p| t <= p) {
                problems.push(doc.at(
                    path,
                    "`from_theta` must be finite and increase from one level to the next",
                ));
            }
            *prev = Some(t);
        }
    }
}

/// The `[bank]` targets against the items read: each shortfall is a problem at the
/// target it misses (a skill's at the skill).
fn check_targets(
    text: &str,
    r: &Referentiel,
    t: &BankTargets,
    counted: &[Counted],
    problems: &mut Vec<Problem>,
) {
    let Ok(doc) = Doc::parse(REFERENTIEL_FILE, text) else {
        return;
    };
    let live: Vec<&Counted> = counted
        .iter()
        .filter(|c| c.status == Status::Live)
        .collect();
    let domain_of = |c: &Counted| r.skill(&c.skill).map(|s| s.domain.as_str());
    let at = |k| [Seg::K("bank"), Seg::K(k)];
    if live.len() < t.min_live {
        problems.push(doc.at(
            &at("min_live"),
            format!(
                "the bank has {} live items, fewer than `min_live` = {}",
                live.len(),
                t.min_live
            ),
        ));
    }
    for (si, s) in r.skills.iter().enumerate() {
        let n = live.iter().filter(|c| c.skill == s.id).count();
        if n < t.min_live_per_skill {
            problems.push(doc.at(
                &[Seg::K("skill"), Seg::I(si), Seg::K("id")],
                format!(
                    "skill `{}` has {n} live items, fewer than `[bank] min_live_per_skill` = {}",
                    s.id, t.min_live_per_skill
                ),
            ));
        }
    }
    for d in &r.domains {
        let floor = live
            .iter()
            .filter(|c| domain_of(c) == Some(d.id.as_str()) && c.location <= t.floor_b)
            .count();
        if floor < t.min_floor_per_domain {
            problems.push(doc.at(
                &at("min_floor_per_domain"),
                format!(
                    "domain `{}` has {floor} live items at b ≤ {} (floor), fewer than `min_floor_per_domain` = {}",
                    d.id, t.floor_b, t.min_floor_per_domain
                ),
            ));
        }
    }
    let ceiling = |domain: Option<&str>| {
        live.iter()
            .filter(|c| c.location >= t.ceiling_b)
            .filter(|c| domain.is_none() || domain_of(c) == domain)
            .count()
    };
    let all = ceiling(None);
    if all < t.min_ceiling {
        problems.push(doc.at(
            &at("min_ceiling"),
            format!(
                "the bank has {all} live items at b ≥ {} (ceiling), fewer than `min_ceiling` = {}",
                t.ceiling_b, t.min_ceiling
            ),
        ));
    }
    for (i, d) in t.ceiling_domains.iter().enumerate() {
        if r.domain(d).is_none() {
            problems.push(doc.at(
                &[Seg::K("bank"), Seg::K("ceiling_domains"), Seg::I(i)],
                format!("unknown domain `{d}`"),
            ));
            continue;
        }
        let n = ceiling(Some(d));
        if n < t.min_ceiling_per_domain {
            problems.push(doc.at(
                &at("min_ceiling_per_domain"),
                format!(
                    "domain `{d}` has {n} live items at b ≥ {} (ceiling), fewer than `min_ceiling_per_domain` = {}",
                    t.ceiling_b, t.min_ceiling_per_domain
                ),
            ));
        }
    }
}

// --------------------------------------------------------------------- bank

/// The `answer` field as written: one id or a list.
enum RawAnswer {
    One(String),
    Many(Vec<String>),
}

impl<'de> Deserialize<'de> for RawAnswer {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = RawAnswer;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an option id (\"…\") or a list of ids ([\"…\", \"…\"])")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<RawAnswer, E> {
                Ok(RawAnswer::One(v.to_string()))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<RawAnswer, A::Error> {
                let mut out = Vec::new();
                while let Some(s) = seq.next_element::<String>()? {
                    out.push(s);
                }
                Ok(RawAnswer::Many(out))
            }
        }
        d.deserialize_any(V)
    }
}

/// One `[[item]]` as written: every field of every type, checked afterwards.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawItem {
    id: String,
    skill: String,
    #[serde(rename = "type")]
    kind: ItemType,
    status: Status,
    stem: String,
    read_aloud: String,
    #[serde(rename = "picture", default)]
    pictures: Vec<Picture>,
    #[serde(default)]
    requires: Vec<Requirement>,
    #[serde(default)]
    enemies: Vec<String>,
    #[serde(default)]
    note: Option<String>,
    #[serde(default)]
    crcn_level: Option<u8>,
    irt: Irt,
    #[serde(rename = "option", default)]
    options: Option<Vec<Choice>>,
    #[serde(default)]
    answer: Option<RawAnswer>,
    #[serde(default)]
    screen: Option<Screen>,
    #[serde(rename = "region", default)]
    regions: Option<Vec<Rect>>,
    #[serde(default)]
    normalise: Option<Normalise>,
    #[serde(default)]
    input: Option<TextInput>,
    #[serde(default)]
    mailbox: Option<Mailbox>,
    #[serde(default)]
    form: Option<Form>,
    #[serde(default)]
    settings: Option<Settings>,
    #[serde(default)]
    message: Option<MessageScene>,
    #[serde(default)]
    search: Option<SearchPage>,
    #[serde(rename = "step", default)]
    steps: Option<Vec<Step>>,
}

/// Element ids the mailbox renderer uses itself.
const RESERVED_MAILBOX: [&str; 10] = [
    MAILBOX_BUTTONS[0],
    MAILBOX_BUTTONS[1],
    MAILBOX_BUTTONS[2],
    MAILBOX_BUTTONS[3],
    MAILBOX_BUTTONS[4],
    MAILBOX_BUTTONS[5],
    MAILBOX_BUTTONS[6],
    MAILBOX_FIELDS[0],
    MAILBOX_FIELDS[1],
    MAILBOX_FIELDS[2],
];

/// Type-specific keys of an item and the types that use them.
const TYPE_KEYS: [(&str, &[ItemType]); 12] = [
    (
        "option",
        &[ItemType::Single, ItemType::Multiple, ItemType::Ordering],
    ),
    (
        "answer",
        &[
            ItemType::Single,
            ItemType::Multiple,
            ItemType::Ordering,
            ItemType::Text,
            ItemType::Message,
            ItemType::Search,
        ],
    ),
    ("screen", &[ItemType::Hotspot]),
    ("region", &[ItemType::Hotspot]),
    ("normalise", &[ItemType::Text]),
    ("input", &[ItemType::Text]),
    ("mailbox", &[ItemType::Mailbox]),
    ("form", &[ItemType::Form]),
    ("settings", &[ItemType::Settings]),
    ("message", &[ItemType::Message]),
    ("search", &[ItemType::Search]),
    (
        "step",
        &[ItemType::Mailbox, ItemType::Form, ItemType::Settings],
    ),
];

/// What reading the bank files collects besides problems.
struct Found<'a> {
    /// Valid items.
    items: &'a mut Vec<BankItem>,
    /// (id, file, position of the id) of every item that parsed, valid or not.
    ids: &'a mut Vec<(String, String, String)>,
    /// Enemy id, and the problem to report if it does not exist.
    enemy_refs: &'a mut Vec<(String, Problem)>,
    /// Every item that parsed, for the `[bank]` targets.
    counted: &'a mut Vec<Counted>,
}

fn parse_bank_file(
    doc: &Doc<'_>,
    referentiel: Option<&Referentiel>,
    pictures: Option<PictureReader<'_>>,
    rules: Rules,
    found: &mut Found<'_>,
    problems: &mut Vec<Problem>,
) {
    let file_skill = doc
        .file
        .strip_prefix(BANK_DIR)
        .and_then(|f| f.strip_suffix(".toml"))
        .unwrap_or_default()
        .to_string();
    for (key, _) in doc.root.get_ref().iter() {
        let k: &str = key.get_ref();
        if k != "item" {
            problems.push(doc.at_key(
                &[Seg::K(k)],
                format!("unknown top-level key `{k}`: a bank file only holds `[[item]]` tables"),
            ));
        }
    }
    let Some(list) = doc.value(&[Seg::K("item")]) else {
        problems.push(doc.at(&[], "no `[[item]]` in this file"));
        return;
    };
    let Some(array) = list.get_ref().as_array() else {
        problems.push(doc.at(
            &[Seg::K("item")],
            "`item` must be written as `[[item]]` tables",
        ));
        return;
    };
    for (i, value) in array.iter().enumerate() {
        let base = [Seg::K("item"), Seg::I(i)];
        let raw = match RawItem::deserialize(ValueDeserializer::from(value.clone())) {
            Ok(r) => r,
            Err(e) => {
                problems.push(doc.de_error(&e, &base));
                continue;
            }
        };
        let pos = doc.pos(&[Seg::K("item"), Seg::I(i), Seg::K("id")]);
        found.ids.push((raw.id.clone(), doc.file.clone(), pos));
        found.counted.push(Counted {
            skill: raw.skill.clone(),
            status: raw.status,
            location: raw.irt.location(),
        });
        for (ei, e) in raw.enemies.iter().enumerate() {
            found.enemy_refs.push((
                e.clone(),
                doc.at(
                    &[Seg::K("item"), Seg::I(i), Seg::K("enemies"), Seg::I(ei)],
                    format!("enemy `{e}` is not an item of the bank"),
                ),
            ));
        }
        let mut ctx = ItemCheck {
            doc,
            index: i,
            rules,
            problems: Vec::new(),
        };
        ctx.check_type_keys(value.get_ref(), raw.kind);
        let skill = referentiel.and_then(|r| r.skill(&raw.skill));
        let item = ctx.check(
            raw,
            skill.map(|s| s.typing),
            referentiel.is_some(),
            &file_skill,
            pictures,
        );
        let had_problems = !ctx.problems.is_empty();
        problems.append(&mut ctx.problems);
        if let Some(item) = item.filter(|_| !had_problems) {
            found.items.push(item);
        }
    }
}

/// Checks of one item, collecting problems with positions.
struct ItemCheck<'d, 'i> {
    doc: &'d Doc<'i>,
    index: usize,
    rules: Rules,
    problems: Vec<Problem>,
}

impl ItemCheck<'_, '_> {
    fn path<'a>(&self, rest: &[Seg<'a>]) -> Vec<Seg<'a>> {
        let mut p = vec![Seg::K("item"), Seg::I(self.index)];
        p.extend_from_slice(rest);
        p
    }

    fn err(&mut self, rest: &[Seg<'_>], message: impl Into<String>) {
        let p = self.path(rest);
        let problem = self.doc.at(&p, message);
        self.problems.push(problem);
    }

    fn err_key(&mut self, rest: &[Seg<'_>], message: impl Into<String>) {
        let p = self.path(rest);
        let problem = self.doc.at_key(&p, message);
        self.problems.push(problem);
    }

    fn falc(&mut self, rest: &[Seg<'_>], what: &str, text: &str) {
        let p = self.path(rest);
        falc(self.doc, &p, what, text, &mut self.problems);
    }

    fn check_type_keys(&mut self, value: &DeValue<'_>, kind: ItemType) {
        let Some(table) = value.as_table() else {
            return;
        };
        for (key, _) in table.iter() {
            let k: &str = key.get_ref();
            if let Some((_, types)) = TYPE_KEYS.iter().find(|(name, _)| *name == k) {
                if !types.contains(&kind) {
                    self.err_key(
                        &[Seg::K(k)],
                        format!("`{k}` is not used by items of type `{}`", kind.name()),
                    );
                }
            }
        }
    }

    fn picture(
        &mut self,
        rest: &[Seg<'_>],
        p: &Picture,
        pictures: Option<PictureReader<'_>>,
    ) -> Option<String> {
        let mut alt = rest.to_vec();
        alt.push(Seg::K("alt"));
        if p.alt.trim().is_empty() {
            self.err(&alt, "missing alt text: describe the picture in French");
        }
        let mut file = rest.to_vec();
        file.push(Seg::K("file"));
        if p.file.is_empty() || p.file.contains(['/', '\\']) || p.file.starts_with('.') {
            self.err(
                &file,
                format!(
                    "picture `{}` must be a plain file name of assets/pictures/",
                    p.file
                ),
            );
            return None;
        }
        let reader = pictures?;
        match reader(&p.file) {
            Some(content) => Some(content),
            None => {
                self.err(
                    &file,
                    format!("picture `{}` not found in assets/pictures/", p.file),
                );
                None
            }
        }
    }

    #[allow(clippy::too_many_lines)]
    fn check(
        &mut self,
        raw: RawItem,
        skill_typing: Option<bool>,
        have_referentiel: bool,
        file_skill: &str,
        pictures: Option<PictureReader<'_>>,
    ) -> Option<BankItem> {
        let kind = raw.kind;
        // Identity.
        match skill_typing {
            None if have_referentiel => {
                self.err(&[Seg::K("skill")], format!("unknown skill `{}`", raw.skill))
            }
            _ => {}
        }
        if raw.skill != file_skill {
            self.err(
                &[Seg::K("skill")],
                format!(
                    "item of skill `{}` is in the file of skill `{file_skill}`",
                    raw.skill
                ),
            );
        }
        let suffix = raw.id.strip_prefix(&format!("{}.", raw.skill));
        if !suffix.is_some_and(|n| n.len() >= 2 && n.chars().all(|c| c.is_ascii_digit())) {
            self.err(
                &[Seg::K("id")],
                format!("item id `{}` must be `{}.NN` (the skill id, a dot, a number of 2 digits or more)", raw.id, raw.skill),
            );
        }
        // Texts.
        if raw.stem.trim().is_empty() {
            self.err(&[Seg::K("stem")], "`stem` is empty");
        }
        self.falc(&[Seg::K("stem")], "stem", &raw.stem);
        if raw.read_aloud.trim().is_empty() {
            self.err(
                &[Seg::K("read_aloud")],
                "missing read-aloud text: `read_aloud` is empty",
            );
        }
        for (i, p) in raw.pictures.iter().enumerate() {
            self.picture(&[Seg::K("picture"), Seg::I(i)], p, pictures);
        }
        // Requirements.
        let keyboard = raw.requires.contains(&Requirement::Keyboard);
        let typing = skill_typing.unwrap_or(true);
        if kind == ItemType::Text {
            if !typing {
                self.err(
                    &[Seg::K("type")],
                    format!(
                        "`text` items are only for typing skills, and `{}` is not one",
                        raw.skill
                    ),
                );
            }
            if !keyboard {
                self.err(
                    &[Seg::K("requires")],
                    "`text` items must list \"keyboard\" in `requires`",
                );
            }
        } else if keyboard && raw.status == Status::Live && !typing {
            self.err(
                &[Seg::K("requires")],
                format!(
                    "live item requires a keyboard, but `{}` is not a typing skill: the kiosk has no keyboard",
                    raw.skill
                ),
            );
        }
        if kind == ItemType::Hotspot && !raw.requires.contains(&Requirement::Sight) {
            self.err(
                &[Seg::K("requires")],
                "`hotspot` items must list \"sight\" in `requires`",
            );
        }
        for (i, e) in raw.enemies.iter().enumerate() {
            if *e == raw.id {
                self.err(
                    &[Seg::K("enemies"), Seg::I(i)],
                    "an item cannot be its own enemy",
                );
            }
        }
        if raw.crcn_level.is_some_and(|l| !(1..=8).contains(&l)) {
            self.err(
                &[Seg::K("crcn_level")],
                "`crcn_level` must be between 1 and 8",
            );
        }

        // Body.
        let body = self.body(&raw, kind, pictures);
        // What a simulation shows is said (not for archives, nor for retired items,
        // which no one sees any more).
        if let Some(body) = &body {
            if self.rules != Rules::Archived && raw.status != Status::Retired {
                self.spoken(&raw.read_aloud, body);
            }
        }

        // IRT.
        let engine = self.irt(&raw.irt, kind, body.as_ref().map(|b| b.steps().len()));
        // The note is held against parameters the engine accepted.
        if engine.is_some()
            && self.rules != Rules::Archived
            && raw.irt.provenance.kind == ProvenanceKind::Expert
        {
            self.expert_note(&raw.irt);
        }
        let (Some(body), Some(engine)) = (body, engine) else {
            return None;
        };
        Some(BankItem {
            id: raw.id,
            skill: raw.skill,
            status: raw.status,
            stem: raw.stem,
            read_aloud: raw.read_aloud,
            pictures: raw.pictures,
            requires: raw.requires,
            enemies: raw.enemies,
            note: raw.note,
            crcn_level: raw.crcn_level,
            irt: raw.irt,
            body,
            engine,
        })
    }

    /// Every text of a simulated screen that a person uses to answer has a spoken
    /// counterpart in `read_aloud` (`crate::spoken_form`): a message's sender, address,
    /// subject, body (each sentence) and links; each search result's title,
    /// address (its host), snippet (each sentence) and « sponsorisé »; each e-mail's
    /// sender, subject and attachments and the files of a mailbox; a form's labels
    /// and the choices of its lists; a settings screen's switches and networks.
    fn spoken(&mut self, read_aloud: &str, body: &Body) {
        let spoken = SpokenText::new(read_aloud);
        let mut unsaid: Vec<(Vec<Seg<'static>>, String)> = Vec::new();
        let whole = |unsaid: &mut Vec<(Vec<Seg<'static>>, String)>,
                     path: Vec<Seg<'static>>,
                     what: &str,
                     text: &str| {
            if !spoken.says(text) {
                unsaid.push((path, format!("{what} \"{}\"", text.trim())));
            }
        };
        match body {
            Body::Message { scene, .. } => {
                whole(
                    &mut unsaid,
                    vec![Seg::K("message"), Seg::K("from")],
                    "the sender",
                    &scene.from,
                );
                if let Some(a) = &scene.from_address {
                    whole(
                        &mut unsaid,
                        vec![Seg::K("message"), Seg::K("from_address")],
                        "the sender's address",
                        a,
                    );
                }
                if let Some(s) = &scene.subject {
                    whole(
                        &mut unsaid,
                        vec![Seg::K("message"), Seg::K("subject")],
                        "the subject",
                        s,
                    );
                }
                for (i, l) in scene.links.iter().enumerate() {
                    let path = vec![Seg::K("message"), Seg::K("link"), Seg::I(i), Seg::K("text")];
                    if is_address(&l.text) {
                        if !spoken.says_address(&l.text) {
                            unsaid.push((
                                path,
                                format!("the address of the link \"{}\"", l.text.trim()),
                            ));
                        }
                    } else {
                        whole(&mut unsaid, path, "the link", &l.text);
                    }
                }
                for s in spoken.unsaid_sentences(&scene.body) {
                    unsaid.push((
                        vec![Seg::K("message"), Seg::K("body")],
                        format!("the sentence \"{s}\" of the body"),
                    ));
                }
            }
            Body::Search { scene, .. } => {
                let sponsored = spoken.says("sponsorisé");
                for (i, r) in scene.results.iter().enumerate() {
                    let at = |k| vec![Seg::K("search"), Seg::K("result"), Seg::I(i), Seg::K(k)];
                    if r.ad && !sponsored {
                        unsaid.push((at("ad"), format!("that result {} is « sponsorisé »", i + 1)));
                    }
                    whole(&mut unsaid, at("title"), "the title", &r.title);
                    if !spoken.says_address(&r.url) {
                        unsaid.push((
                            at("url"),
                            format!("the address \"{}\"", crate::spoken_form::host(&r.url)),
                        ));
                    }
                    for s in spoken.unsaid_sentences(&r.snippet) {
                        unsaid.push((
                            at("snippet"),
                            format!("the sentence \"{s}\" of the snippet"),
                        ));
                    }
                }
            }
            Body::Mailbox { scene, .. } => {
                for (i, m) in scene.messages.iter().enumerate() {
                    let at = |k| vec![Seg::K("mailbox"), Seg::K("message"), Seg::I(i), Seg::K(k)];
                    whole(&mut unsaid, at("from"), "the sender", &m.from);
                    whole(&mut unsaid, at("subject"), "the subject", &m.subject);
                    for (j, a) in m.attachments.iter().enumerate() {
                        let mut path = at("attachments");
                        path.push(Seg::I(j));
                        whole(&mut unsaid, path, "the attachment", a);
                    }
                }
                for (i, f) in scene.files.iter().enumerate() {
                    whole(
                        &mut unsaid,
                        vec![Seg::K("mailbox"), Seg::K("file"), Seg::I(i), Seg::K("name")],
                        "the file",
                        &f.name,
                    );
                }
            }
            Body::Form { scene, .. } => {
                for (i, f) in scene.fields.iter().enumerate() {
                    let at = |k| vec![Seg::K("form"), Seg::K("field"), Seg::I(i), Seg::K(k)];
                    whole(&mut unsaid, at("label"), "the label", &f.label);
                    for (j, c) in f.choices.iter().enumerate() {
                        let mut path = at("choices");
                        path.push(Seg::I(j));
                        whole(&mut unsaid, path, "the choice", c);
                    }
                }
            }
            Body::Settings { scene, .. } => {
                for (i, t) in scene.toggles.iter().enumerate() {
                    whole(
                        &mut unsaid,
                        vec![
                            Seg::K("settings"),
                            Seg::K("toggle"),
                            Seg::I(i),
                            Seg::K("label"),
                        ],
                        "the switch",
                        &t.label,
                    );
                }
                for (i, n) in scene.networks.iter().enumerate() {
                    whole(
                        &mut unsaid,
                        vec![
                            Seg::K("settings"),
                            Seg::K("network"),
                            Seg::I(i),
                            Seg::K("name"),
                        ],
                        "the network",
                        &n.name,
                    );
                }
            }
            _ => {}
        }
        for (path, what) in unsaid {
            self.err(&path, format!("`read_aloud` does not say {what}"));
        }
    }

    /// An expert's parameters come with their reasons: the note states the
    /// difficulty band, which must agree with the location, and `a = …` with a
    /// reason that belongs to this item.
    fn expert_note(&mut self, irt: &Irt) {
        let at = [Seg::K("irt"), Seg::K("provenance")];
        let note = irt.provenance.note.as_deref().unwrap_or_default();
        // A value moved by `repere calibrate --shift-experts` says by how much: the
        // band is the expert's, on the scale before the shift.
        let location = irt.location() - stated_shift(note).unwrap_or(0.0);
        match stated_band(note) {
            Err(BandError::Missing) => self.err(
                &at,
                "`provenance.note` states no difficulty band: write `bande <band>` \
                 (premier contact, très facile, facile, moyen, intermédiaire, difficile) \
                 or, for a half-band, `bande entre <band> et <band>`",
            ),
            Err(BandError::NotNeighbours(lo, hi)) => self.err(
                &at,
                format!(
                    "`provenance.note`: `entre {} et {}` must name two neighbouring bands, easier first",
                    lo.french(),
                    hi.french()
                ),
            ),
            Ok(stated) if !stated.fits(location) => self.err(
                &at,
                format!(
                    "`provenance.note` says `{}` ({}) but the item's location is {location}: \
                     change `b` (or the steps) or the band",
                    stated.describe(),
                    stated.range()
                ),
            ),
            Ok(_) => {}
        }
        match stated_a(note) {
            None => self.err(
                &at,
                "`provenance.note` does not give the discrimination: write `a = <value>` \
                 and why this item separates as it does",
            ),
            Some(s) if (s.value - irt.a).abs() > 0.005 => self.err(
                &at,
                format!(
                    "`provenance.note` says a = {} but `a` is {}",
                    s.value, irt.a
                ),
            ),
            Some(s) if !is_item_reason(&s.reason) => self.err(
                &at,
                format!(
                    "`provenance.note` gives no reason of this item for a = {}: after the value, \
                     say in {MIN_REASON_WORDS} words or more why it separates as it does \
                     (its type alone is not a reason)",
                    s.value
                ),
            ),
            Some(_) => {}
        }
    }

    fn irt(&mut self, irt: &Irt, kind: ItemType, steps: Option<usize>) -> Option<Item> {
        let at = |k| [Seg::K("irt"), Seg::K(k)];
        let (need, forbid): (&[&str], &[&str]) = match irt.model {
            Model::TwoPl => (&["b"], &["c", "d", "steps", "thresholds"]),
            Model::ThreePl => (&["b", "c"], &["d", "steps", "thresholds"]),
            Model::FourPl => (&["b", "c", "d"], &["steps", "thresholds"]),
            Model::Gpcm => (&["steps"], &["b", "c", "d", "thresholds"]),
            Model::Grm => (&["thresholds"], &["b", "c", "d", "steps"]),
        };
        let present = |k: &str| match k {
            "b" => irt.b.is_some(),
            "c" => irt.c.is_some(),
            "d" => irt.d.is_some(),
            "steps" => irt.steps.is_some(),
            _ => irt.thresholds.is_some(),
        };
        let model_name = match irt.model {
            Model::TwoPl => "2pl",
            Model::ThreePl => "3pl",
            Model::FourPl => "4pl",
            Model::Gpcm => "gpcm",
            Model::Grm => "grm",
        };
        let mut ok = true;
        for k in need {
            if !present(k) {
                self.err(&at("model"), format!("model `{model_name}` needs `{k}`"));
                ok = false;
            }
        }
        for k in forbid {
            if present(k) {
                self.err_key(
                    &at(k),
                    format!("model `{model_name}` has no parameter `{k}`"),
                );
                ok = false;
            }
        }
        let pv = &irt.provenance;
        let pp = |k| [Seg::K("irt"), Seg::K("provenance"), Seg::K(k)];
        if !is_date(&pv.date) {
            self.err(
                &pp("date"),
                format!("date `{}` is not `YYYY-MM-DD`", pv.date),
            );
        }
        match (pv.kind, pv.n) {
            (ProvenanceKind::Calibrated, None) => self.err(
                &pp("kind"),
                "a calibrated item needs `n`, the number of responses",
            ),
            (ProvenanceKind::Expert, Some(_)) => {
                self.err_key(&pp("n"), "an expert estimate has no `n`")
            }
            _ => {}
        }
        if !ok {
            return None;
        }
        let item = match engine_item(irt) {
            Ok(i) => i,
            Err(e) => {
                self.err(&[Seg::K("irt")], format!("invalid IRT parameters: {e}"));
                return None;
            }
        };
        let k = item.max_score();
        if kind.is_stepped() {
            if let Some(n) = steps {
                if n >= 2 && k != n {
                    let what = match irt.model {
                        Model::Gpcm => format!("the gpcm model has {k} step parameters"),
                        Model::Grm => format!("the grm model has {k} thresholds"),
                        _ => "a dichotomous model scores 0 or 1: use `gpcm`".to_string(),
                    };
                    self.err(
                        &at("model"),
                        format!("the simulation has {n} steps but {what}"),
                    );
                } else if n == 1 && k != 1 {
                    self.err(
                        &at("model"),
                        format!("the simulation has 1 step but the model scores 0..{k}: use `2pl`"),
                    );
                }
            }
        } else if k != 1 {
            self.err(
                &at("model"),
                format!(
                    "type `{}` is scored 0 or 1: use `2pl`, `3pl` or `4pl`",
                    kind.name()
                ),
            );
        }
        Some(item)
    }

    fn options(
        &mut self,
        raw: &RawItem,
        pictures: Option<PictureReader<'_>>,
    ) -> Option<Vec<Choice>> {
        let Some(options) = raw.options.clone() else {
            self.err(
                &[Seg::K("type")],
                format!("type `{}` needs `[[item.option]]`", raw.kind.name()),
            );
            return None;
        };
        if options.len() < 2 {
            self.err(&[Seg::K("option")], "an item needs at least 2 options");
        }
        let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
        let spoken = normalise(&raw.read_aloud, &Normalise::default());
        for (i, o) in options.iter().enumerate() {
            let at = |k| [Seg::K("option"), Seg::I(i), Seg::K(k)];
            if !is_id(&o.id) {
                self.err(
                    &at("id"),
                    format!(
                        "invalid option id `{}`: use lowercase letters, digits and `-`",
                        o.id
                    ),
                );
            }
            if let Some(prev) = seen.insert(&o.id, i) {
                let first =
                    self.doc
                        .pos(&self.path(&[Seg::K("option"), Seg::I(prev), Seg::K("id")]));
                self.err(
                    &at("id"),
                    format!("duplicate option id `{}` (first at {first})", o.id),
                );
            }
            match (&o.text, &o.picture) {
                (None, None) => self.err(
                    &[Seg::K("option"), Seg::I(i)],
                    "an option needs `text` or `picture`",
                ),
                (Some(t), _) => {
                    self.falc(&at("text"), "text", t);
                    if !spoken.contains(&normalise(t, &Normalise::default())) {
                        self.err(
                            &at("text"),
                            format!("`read_aloud` does not say the option \"{t}\""),
                        );
                    }
                }
                _ => {}
            }
            if let Some(p) = &o.picture {
                self.picture(
                    &[Seg::K("option"), Seg::I(i), Seg::K("picture")],
                    p,
                    pictures,
                );
            }
        }
        Some(options)
    }

    fn answer_list(&mut self, raw: &RawItem) -> Option<Vec<String>> {
        match &raw.answer {
            Some(RawAnswer::Many(v)) if !v.is_empty() => Some(v.clone()),
            Some(RawAnswer::Many(_)) => {
                self.err(&[Seg::K("answer")], "`answer` is empty");
                None
            }
            Some(RawAnswer::One(_)) => {
                self.err(
                    &[Seg::K("answer")],
                    format!(
                        "`answer` of a `{}` item is a list: [\"…\", \"…\"]",
                        raw.kind.name()
                    ),
                );
                None
            }
            None => {
                self.err(
                    &[Seg::K("type")],
                    format!("type `{}` needs `answer`", raw.kind.name()),
                );
                None
            }
        }
    }

    fn answers_among(&mut self, answer: &[String], ids: &[&str], what: &str) {
        let mut seen = BTreeSet::new();
        for (i, a) in answer.iter().enumerate() {
            if !ids.contains(&a.as_str()) {
                self.err(
                    &[Seg::K("answer"), Seg::I(i)],
                    format!("answer `{a}` is not among the {what} ({})", ids.join(", ")),
                );
            }
            if !seen.insert(a) {
                self.err(
                    &[Seg::K("answer"), Seg::I(i)],
                    format!("answer `{a}` is listed twice"),
                );
            }
        }
    }

    #[allow(clippy::too_many_lines)]
    fn body(
        &mut self,
        raw: &RawItem,
        kind: ItemType,
        pictures: Option<PictureReader<'_>>,
    ) -> Option<Body> {
        let need = |s: &mut Self, what: &str| {
            s.err(
                &[Seg::K("type")],
                format!("type `{}` needs `{what}`", kind.name()),
            );
        };
        match kind {
            ItemType::Single => {
                let options = self.options(raw, pictures)?;
                let answer = match &raw.answer {
                    Some(RawAnswer::One(a)) => a.clone(),
                    Some(RawAnswer::Many(_)) => {
                        self.err(
                            &[Seg::K("answer")],
                            "`answer` of a `single` item is one option id: \"…\"",
                        );
                        return None;
                    }
                    None => {
                        need(self, "answer");
                        return None;
                    }
                };
                let ids: Vec<&str> = options.iter().map(|o| o.id.as_str()).collect();
                if !ids.contains(&answer.as_str()) {
                    self.err(
                        &[Seg::K("answer")],
                        format!(
                            "answer `{answer}` is not among the options ({})",
                            ids.join(", ")
                        ),
                    );
                }
                Some(Body::Single { options, answer })
            }
            ItemType::Multiple => {
                let options = self.options(raw, pictures)?;
                let answer = self.answer_list(raw)?;
                let ids: Vec<&str> = options.iter().map(|o| o.id.as_str()).collect();
                self.answers_among(&answer, &ids, "options");
                Some(Body::Multiple { options, answer })
            }
            ItemType::Ordering => {
                let options = self.options(raw, pictures)?;
                let answer = self.answer_list(raw)?;
                let ids: Vec<&str> = options.iter().map(|o| o.id.as_str()).collect();
                let mut sorted_a: Vec<&str> = answer.iter().map(String::as_str).collect();
                let mut sorted_i = ids.clone();
                sorted_a.sort_unstable();
                sorted_i.sort_unstable();
                if sorted_a != sorted_i {
                    self.err(
                        &[Seg::K("answer")],
                        format!(
                            "ordering answer is not a permutation of the options: list each of ({}) exactly once",
                            ids.join(", ")
                        ),
                    );
                } else if answer.iter().zip(&ids).all(|(a, i)| a == i) {
                    self.err(
                        &[Seg::K("answer")],
                        "the options are already in the right order: list them shuffled in the file",
                    );
                }
                Some(Body::Ordering { options, answer })
            }
            ItemType::Hotspot => {
                let Some(screen) = raw.screen.clone() else {
                    need(self, "[item.screen]");
                    return None;
                };
                let vb = screen.view_box;
                if vb.iter().any(|v| !v.is_finite()) || vb[2] <= 0.0 || vb[3] <= 0.0 {
                    self.err(
                        &[Seg::K("screen"), Seg::K("view_box")],
                        "`view_box` needs a positive width and height",
                    );
                }
                let pic = Picture {
                    file: screen.file.clone(),
                    alt: screen.alt.clone(),
                };
                if let Some(svg) = self.picture(&[Seg::K("screen")], &pic, pictures) {
                    match crate::svg::view_box(&svg) {
                        Some(actual) if actual == vb => {}
                        Some(actual) => self.err(
                            &[Seg::K("screen"), Seg::K("view_box")],
                            format!(
                                "`view_box` {vb:?} differs from the viewBox of {} {actual:?}",
                                screen.file
                            ),
                        ),
                        None => self.err(
                            &[Seg::K("screen"), Seg::K("file")],
                            format!("{} has no readable viewBox", screen.file),
                        ),
                    }
                }
                let Some(regions) = raw.regions.clone().filter(|r| !r.is_empty()) else {
                    need(self, "[[item.region]]");
                    return None;
                };
                let bounds = screen.rect();
                for (i, r) in regions.iter().enumerate() {
                    let inside = r.width > 0.0
                        && r.height > 0.0
                        && bounds.contains(r.x, r.y)
                        && bounds.contains(r.x + r.width, r.y + r.height);
                    if !inside {
                        self.err(
                            &[Seg::K("region"), Seg::I(i)],
                            format!(
                                "region {} (x {}, y {}, width {}, height {}) is not inside the picture's view box {vb:?}",
                                i + 1,
                                r.x,
                                r.y,
                                r.width,
                                r.height
                            ),
                        );
                    }
                }
                Some(Body::Hotspot { screen, regions })
            }
            ItemType::Text => {
                let answer = self.answer_list(raw)?;
                for (i, a) in answer.iter().enumerate() {
                    if a.trim().is_empty() {
                        self.err(
                            &[Seg::K("answer"), Seg::I(i)],
                            "an accepted answer is empty",
                        );
                    }
                }
                Some(Body::Text {
                    answer,
                    normalise: raw.normalise.unwrap_or_default(),
                    input: raw.input.unwrap_or_default(),
                })
            }
            ItemType::Message => {
                let Some(scene) = raw.message.clone() else {
                    need(self, "[item.message]");
                    return None;
                };
                let answer = self.answer_list(raw)?;
                if scene.choices.len() < 2 {
                    self.err(
                        &[Seg::K("message")],
                        "a message needs at least 2 `[[item.message.choice]]`",
                    );
                }
                for (i, c) in scene.choices.iter().enumerate() {
                    self.falc(
                        &[
                            Seg::K("message"),
                            Seg::K("choice"),
                            Seg::I(i),
                            Seg::K("label"),
                        ],
                        "label",
                        &c.label,
                    );
                }
                let body = Body::Message { scene, answer };
                self.scene_ids(&body);
                if let Body::Message { scene, answer } = &body {
                    let mut ids: Vec<&str> = scene.links.iter().map(|l| l.id.as_str()).collect();
                    ids.extend(scene.choices.iter().map(|c| c.id.as_str()));
                    self.answers_among(answer, &ids, "choices and links");
                }
                Some(body)
            }
            ItemType::Search => {
                let Some(scene) = raw.search.clone() else {
                    need(self, "[item.search]");
                    return None;
                };
                let answer = self.answer_list(raw)?;
                if scene.results.len() < 2 {
                    self.err(
                        &[Seg::K("search")],
                        "a results page needs at least 2 `[[item.search.result]]`",
                    );
                }
                let body = Body::Search { scene, answer };
                self.scene_ids(&body);
                if let Body::Search { scene, answer } = &body {
                    let ids: Vec<&str> = scene.results.iter().map(|r| r.id.as_str()).collect();
                    self.answers_among(answer, &ids, "results");
                }
                Some(body)
            }
            ItemType::Mailbox | ItemType::Form | ItemType::Settings => {
                let Some(steps) = raw.steps.clone().filter(|s| !s.is_empty()) else {
                    need(self, "[[item.step]]");
                    return None;
                };
                let body = match kind {
                    ItemType::Mailbox => {
                        let Some(scene) = raw.mailbox.clone() else {
                            need(self, "[item.mailbox]");
                            return None;
                        };
                        if scene.start == MailboxStart::Draft && scene.draft.is_none() {
                            self.err(
                                &[Seg::K("mailbox"), Seg::K("start")],
                                "`start = \"draft\"` needs `[item.mailbox.draft]`",
                            );
                        }
                        Body::Mailbox { scene, steps }
                    }
                    ItemType::Form => {
                        let Some(scene) = raw.form.clone() else {
                            need(self, "[item.form]");
                            return None;
                        };
                        self.form(&scene);
                        Body::Form { scene, steps }
                    }
                    _ => {
                        let Some(scene) = raw.settings.clone() else {
                            need(self, "[item.settings]");
                            return None;
                        };
                        if !scene.networks.is_empty()
                            && !scene.toggles.iter().any(|t| t.id == "wifi")
                        {
                            self.err(
                                &[Seg::K("settings"), Seg::K("network")],
                                "networks are listed under the toggle `wifi`: add a toggle with id \"wifi\"",
                            );
                        }
                        Body::Settings { scene, steps }
                    }
                };
                self.scene_ids(&body);
                self.steps(&body, &raw.requires);
                Some(body)
            }
        }
    }

    fn form(&mut self, form: &Form) {
        if form.fields.is_empty() {
            self.err(
                &[Seg::K("form")],
                "a form needs at least one `[[item.form.field]]`",
            );
        }
        for (fi, f) in form.fields.iter().enumerate() {
            let fp = |k| [Seg::K("form"), Seg::K("field"), Seg::I(fi), Seg::K(k)];
            if f.input == FieldInput::Select && f.choices.len() < 2 {
                self.err(
                    &fp("choices"),
                    "a `select` field needs at least 2 `choices`",
                );
            }
            if f.input != FieldInput::Select && !f.choices.is_empty() {
                self.err_key(&fp("choices"), "`choices` is only for `select` fields");
            }
            for (ri, r) in f.rules.iter().enumerate() {
                let rp = |k| {
                    [
                        Seg::K("form"),
                        Seg::K("field"),
                        Seg::I(fi),
                        Seg::K("rule"),
                        Seg::I(ri),
                        Seg::K(k),
                    ]
                };
                let needs_n =
                    matches!(r.check, Check::MinLength | Check::MaxLength | Check::Digits);
                if needs_n != r.n.is_some() {
                    let m = if needs_n {
                        "this check needs `n`"
                    } else {
                        "this check takes no `n`"
                    };
                    self.err(&rp("check"), m);
                }
                let needs_field = r.check == Check::SameAs;
                match (&r.field, needs_field) {
                    (Some(other), true) if !form.fields.iter().any(|x| x.id == *other) => {
                        self.err(&rp("field"), format!("unknown field `{other}`"))
                    }
                    (None, true) => self.err(&rp("check"), "`same_as` needs `field`"),
                    (Some(_), false) => self.err_key(&rp("field"), "only `same_as` takes `field`"),
                    _ => {}
                }
                self.falc(&rp("message"), "message", &r.message);
            }
        }
    }

    /// Element ids are unique in a scene and do not shadow built-in ids.
    fn scene_ids(&mut self, body: &Body) {
        let mut ids: Vec<(&str, Vec<Seg<'static>>)> = Vec::new();
        let reserved: &[&str] = match body {
            Body::Mailbox { scene, .. } => {
                for (i, m) in scene.messages.iter().enumerate() {
                    ids.push((
                        &m.id,
                        vec![
                            Seg::K("mailbox"),
                            Seg::K("message"),
                            Seg::I(i),
                            Seg::K("id"),
                        ],
                    ));
                }
                for (i, f) in scene.files.iter().enumerate() {
                    ids.push((
                        &f.id,
                        vec![Seg::K("mailbox"), Seg::K("file"), Seg::I(i), Seg::K("id")],
                    ));
                }
                &RESERVED_MAILBOX
            }
            Body::Form { scene, .. } => {
                for (i, f) in scene.fields.iter().enumerate() {
                    ids.push((
                        &f.id,
                        vec![Seg::K("form"), Seg::K("field"), Seg::I(i), Seg::K("id")],
                    ));
                }
                &[FORM_SUBMIT]
            }
            Body::Settings { scene, .. } => {
                for (i, t) in scene.toggles.iter().enumerate() {
                    ids.push((
                        &t.id,
                        vec![
                            Seg::K("settings"),
                            Seg::K("toggle"),
                            Seg::I(i),
                            Seg::K("id"),
                        ],
                    ));
                }
                for (i, n) in scene.networks.iter().enumerate() {
                    ids.push((
                        &n.id,
                        vec![
                            Seg::K("settings"),
                            Seg::K("network"),
                            Seg::I(i),
                            Seg::K("id"),
                        ],
                    ));
                }
                &[]
            }
            Body::Message { scene, .. } => {
                for (i, l) in scene.links.iter().enumerate() {
                    ids.push((
                        &l.id,
                        vec![Seg::K("message"), Seg::K("link"), Seg::I(i), Seg::K("id")],
                    ));
                }
                for (i, c) in scene.choices.iter().enumerate() {
                    ids.push((
                        &c.id,
                        vec![Seg::K("message"), Seg::K("choice"), Seg::I(i), Seg::K("id")],
                    ));
                }
                &[]
            }
            Body::Search { scene, .. } => {
                for (i, r) in scene.results.iter().enumerate() {
                    ids.push((
                        &r.id,
                        vec![Seg::K("search"), Seg::K("result"), Seg::I(i), Seg::K("id")],
                    ));
                }
                &[]
            }
            _ => &[],
        };
        for (k, (id, path)) in ids.iter().enumerate() {
            if !is_id(id) {
                self.err(
                    path,
                    format!("invalid element id `{id}`: use lowercase letters, digits and `-`"),
                );
            }
            if reserved.contains(id) {
                self.err(
                    path,
                    format!("element id `{id}` is reserved by the renderer"),
                );
            }
            if let Some((_, first)) = ids[..k].iter().find(|(other, _)| other == id) {
                let pos = self.doc.pos(&self.path(first));
                self.err(
                    path,
                    format!("duplicate element id `{id}` (first at {pos})"),
                );
            }
        }
    }

    fn steps(&mut self, body: &Body, requires: &[Requirement]) {
        let scene = Scene::of(body);
        let steps = body.steps();
        for (i, s) in steps.iter().enumerate() {
            let at = |k| [Seg::K("step"), Seg::I(i), Seg::K(k)];
            let ok = match s.kind {
                StepKind::Tap => scene.taps.contains(&s.target.as_str()),
                StepKind::Toggle => scene.toggles.contains_key(s.target.as_str()),
                StepKind::Fill => scene.fills.contains_key(s.target.as_str()),
            };
            let verb = match s.kind {
                StepKind::Tap => "tap",
                StepKind::Toggle => "toggle",
                StepKind::Fill => "fill",
            };
            if !ok {
                self.err(
                    &at("target"),
                    format!(
                        "step {}: no element `{}` that can take `{verb}` in this scene",
                        i + 1,
                        s.target
                    ),
                );
            }
            if (s.kind == StepKind::Toggle) != s.on.is_some() {
                self.err(
                    &at("do"),
                    format!(
                        "step {}: `on` is required for `toggle` and only for it",
                        i + 1
                    ),
                );
            }
            if s.kind != StepKind::Fill && s.accept.is_some() {
                self.err_key(
                    &at("accept"),
                    format!("step {}: `accept` is only for `fill`", i + 1),
                );
            }
            if s.label.trim().is_empty() {
                self.err(&at("label"), format!("step {}: `label` is empty", i + 1));
            }
            if s.kind == StepKind::Fill && !requires.contains(&Requirement::Keyboard) {
                let keyboard = match body {
                    Body::Form { scene, .. } => scene
                        .fields
                        .iter()
                        .find(|f| f.id == s.target)
                        .is_some_and(|f| f.input.needs_keyboard()),
                    _ => true,
                };
                if keyboard {
                    self.err(
                        &at("target"),
                        format!(
                            "step {}: typing in `{}` needs \"keyboard\" in `requires`",
                            i + 1,
                            s.target
                        ),
                    );
                }
            }
        }
        if !steps.is_empty() && steps_achieved(&scene, steps, &[]) > 0 {
            self.err(
                &[Seg::K("step"), Seg::I(0)],
                "step 1 is already achieved before any action: change the scene's initial state",
            );
        }
    }
}
