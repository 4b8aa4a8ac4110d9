//! The référentiel of beginner digital skills and the item bank of Repère.
//!
//! Data files live beside this crate (`items/data/`); this crate loads and checks
//! them and hands the engine plain item parameters.
