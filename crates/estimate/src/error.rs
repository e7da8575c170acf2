use serde::Serialize;
use thiserror::Error;

/// Why an estimate could not be made. Every message says what the user can do
/// about it, because the people reading them are researchers, not programmers.
#[derive(Debug, Clone, PartialEq, Error, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EstimateError {
    #[error("{found} list(s) given; multiple systems estimation needs at least two lists that can share cases. Add another source or use the registered count as a lower bound")]
    TooFewLists { found: usize },

    #[error("{found} lists given; at most {max} are supported. Merge related lists (e.g. all police sources) into one column")]
    TooManyLists { found: usize, max: usize },

    #[error("list `{list}` has no cases. Drop the column, or check that its cases were linked")]
    EmptyList { list: String },

    #[error("invalid list name: {reason}")]
    InvalidListName { reason: String },

    #[error("pattern {pattern} has {found} entries but there are {expected} lists; give one 0/1 value per list")]
    PatternLength {
        pattern: String,
        found: usize,
        expected: usize,
    },

    #[error("pattern {pattern} appears more than once; add the counts together into one row")]
    DuplicatePattern { pattern: String },

    #[error("the all-zero pattern (on no list) cannot be observed; remove it, it is what is being estimated")]
    AllZeroPattern,

    #[error("no two lists have a case in common, so the data say nothing about how many were missed. Link records across lists, or merge lists so that some overlap")]
    NoOverlap,

    #[error("no finite estimate exists for the {model} model on these data: {reason}. Try merging lists with few cases or dropping a list that shares no cases with the others")]
    NoEstimate { model: String, reason: String },

    #[error("{method} needs exactly two lists but {found} were given; use stepwise or main effects, or merge lists down to two")]
    NeedsTwoLists { method: String, found: usize },

    #[error("the all-models {criterion} search supports at most {max} lists ({found} given); use the stepwise method")]
    TooManyForSearch {
        criterion: String,
        found: usize,
        max: usize,
    },

    #[error("the all-models {criterion} search on this sparse table would need more than {budget} existence programs (many overlaps are empty, so most models cannot be settled by the fast rank test); use the stepwise method, or merge lists with few cases")]
    SearchTooLarge { criterion: String, budget: usize },

    #[error("invalid option: {reason}")]
    InvalidOption { reason: String },
}
