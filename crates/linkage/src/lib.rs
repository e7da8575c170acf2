//! Privacy-preserving record linkage, pure: no files, network or printing.
//!
//! A supplier turns each record into a hardened Bloom-filter encoding
//! ([`Encoder`]); the monitor links the encodings of several lists
//! ([`link`]) into clusters and capture histories for `zicht-estimate`.
//! Identifiers exist only inside [`Encoder::encode`]; nothing this crate
//! returns holds one, errors included.

mod clk;
mod encode;
mod fields;
mod impute;
mod link;
mod normalise;
mod quality;
mod run;
mod sensitivity;
pub mod synth;

pub use clk::{Clk, ClkError, Slot, DATE_SLOT, FILTER_BITS, NAME_SLOT};
pub use encode::{BadField, Encoder, RawRecord, Secret, SecretError, SCHEME};
pub use fields::{
    band, cell, field_dice, fit_fields, nonmatch_cells, FieldModel, FIELD_BANDS, NONMATCH_SAMPLE,
};
pub use impute::{imputed_histories, pair_probabilities, pooled_estimate, ImputeOptions, Pooled};
pub use link::{
    candidates, cluster, date_agreement, histories, link, pair_threshold, Candidate, DateAgreement,
    Histories, LinkOptions, Linked, SimilarityBand, DEFAULT_THRESHOLD,
};
pub use normalise::{birth_date, name_words, sex, BirthDate, Sex};
pub use quality::{fit_mixture, Component, DiceHistogram, ErrorRates, Mixture, BIN_WIDTH};
pub use run::{
    link_lists, pattern_row, sha256_hex, Blocking, EncodedFileError, EncodedList, LinkRun,
    LinkageRecord, ListRecord, StratumLinked, ThresholdRates, IDENTIFIER_COLUMNS,
};
pub use sensitivity::{capture_histories, sensitivity, sensitivity_sentence, ThresholdEstimate};
