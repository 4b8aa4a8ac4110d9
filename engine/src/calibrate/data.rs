//! The answers a calibration reads: a sparse list of `(person, item, score)`.
//!
//! An adaptive test shows each person a few items of a large bank, so the data is
//! stored person by person (compressed rows): the E-step walks one person's own
//! answers and nothing else.

/// Why a list of answers was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DataError {
    /// A person index is not below the number of persons.
    #[error("answer {index}: person {person} is out of range (there are {persons} persons)")]
    PersonOutOfRange {
        /// Position of the answer in the input.
        index: usize,
        /// The person index given.
        person: usize,
        /// Number of persons.
        persons: usize,
    },
    /// An item index is not below the number of items.
    #[error("answer {index}: item {item} is out of range (there are {items} items)")]
    ItemOutOfRange {
        /// Position of the answer in the input.
        index: usize,
        /// The item index given.
        item: usize,
        /// Number of items.
        items: usize,
    },
    /// A score is too large to be a category of any item (more than 255 steps).
    #[error("answer {index}: score {score} is too large")]
    ScoreTooLarge {
        /// Position of the answer in the input.
        index: usize,
        /// The score given.
        score: usize,
    },
    /// The same person answered the same item twice.
    #[error("person {person} answered item {item} more than once")]
    Duplicate {
        /// Person index.
        person: usize,
        /// Item index.
        item: usize,
    },
}

/// One answer: who, which item, which score (`0..=max_score` of the item).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Answer {
    /// Person index, `0..persons`.
    pub person: usize,
    /// Item index, `0..items`, in the order of the item list given to
    /// [`calibrate`](super::calibrate).
    pub item: usize,
    /// Score obtained.
    pub score: usize,
}

/// Answers grouped by person, in compressed rows.
///
/// Missing answers are simply absent: a person who saw 15 items of 150 costs 15
/// entries.
#[derive(Clone, Debug, PartialEq)]
pub struct Responses {
    persons: usize,
    items: usize,
    /// `row[p]..row[p + 1]` are person `p`'s entries.
    row: Vec<usize>,
    item: Vec<u32>,
    score: Vec<u8>,
}

impl Responses {
    /// Builds the person-by-person table from answers in any order.
    ///
    /// Indices are checked against `persons` and `items`; a repeated
    /// `(person, item)` pair is an error (it would count one person twice).
    pub fn new(
        persons: usize,
        items: usize,
        answers: impl IntoIterator<Item = Answer>,
    ) -> Result<Self, DataError> {
        let answers: Vec<Answer> = answers.into_iter().collect();
        let mut count = vec![0usize; persons + 1];
        for (index, a) in answers.iter().enumerate() {
            if a.person >= persons {
                return Err(DataError::PersonOutOfRange {
                    index,
                    person: a.person,
                    persons,
                });
            }
            if a.item >= items || a.item > u32::MAX as usize {
                return Err(DataError::ItemOutOfRange {
                    index,
                    item: a.item,
                    items,
                });
            }
            if a.score > u8::MAX as usize {
                return Err(DataError::ScoreTooLarge {
                    index,
                    score: a.score,
                });
            }
            count[a.person + 1] += 1;
        }
        for p in 0..persons {
            count[p + 1] += count[p];
        }
        let row = count.clone();
        let mut next = count;
        let mut item = vec![0u32; answers.len()];
        let mut score = vec![0u8; answers.len()];
        for a in &answers {
            let at = next[a.person];
            next[a.person] += 1;
            item[at] = a.item as u32;
            score[at] = a.score as u8;
        }
        // Sort each row by item (deterministic order, and duplicates become adjacent).
        let mut pairs: Vec<(u32, u8)> = Vec::new();
        for p in 0..persons {
            let (lo, hi) = (row[p], row[p + 1]);
            pairs.clear();
            pairs.extend(
                item[lo..hi]
                    .iter()
                    .copied()
                    .zip(score[lo..hi].iter().copied()),
            );
            pairs.sort_unstable();
            for (k, (i, s)) in pairs.iter().enumerate() {
                if k > 0 && pairs[k - 1].0 == *i {
                    return Err(DataError::Duplicate {
                        person: p,
                        item: *i as usize,
                    });
                }
                item[lo + k] = *i;
                score[lo + k] = *s;
            }
        }
        Ok(Responses {
            persons,
            items,
            row,
            item,
            score,
        })
    }

    /// Number of persons.
    pub fn persons(&self) -> usize {
        self.persons
    }

    /// Number of items.
    pub fn items(&self) -> usize {
        self.items
    }

    /// Total number of answers.
    pub fn len(&self) -> usize {
        self.item.len()
    }

    /// Whether there is no answer at all.
    pub fn is_empty(&self) -> bool {
        self.item.is_empty()
    }

    /// Person `p`'s answers as `(item, score)` pairs, by item index.
    pub fn person(&self, p: usize) -> impl Iterator<Item = (usize, usize)> + '_ {
        let (lo, hi) = match (self.row.get(p), self.row.get(p + 1)) {
            (Some(lo), Some(hi)) => (*lo, *hi),
            _ => (0, 0),
        };
        self.item[lo..hi]
            .iter()
            .zip(&self.score[lo..hi])
            .map(|(i, s)| (*i as usize, *s as usize))
    }

    /// Raw row access for the inner loops: `(items, scores)` of person `p`.
    #[inline]
    pub(crate) fn row(&self, p: usize) -> (&[u32], &[u8]) {
        let (lo, hi) = (self.row[p], self.row[p + 1]);
        (&self.item[lo..hi], &self.score[lo..hi])
    }
}
