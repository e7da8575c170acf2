//! The working side's operations between the store and its front-ends: the
//! JSON API and the portal pages of `zicht-server`, and the CLI. Knows no
//! HTTP.
//!
//! Each operation takes the caller ([`zicht_portal::Actor`]: login, role,
//! organisation) and checks its role itself, runs CPU work (reading an
//! upload, the release path) off the async workers, and refuses with one
//! error type, [`ServiceError`], built from the store's refusals in one
//! place. Also here: what a public output is read from ([`site_input`],
//! [`public_cells`], [`text_warnings`]) and the secrets of logins and
//! tokens ([`secrets`]).

pub mod accounts;
pub mod deliveries;
pub mod encoded;
mod error;
mod load;
pub mod mail;
pub mod release;
pub mod rounds;
pub mod second_factor;
pub mod secrets;

pub use deliveries::{Incoming, Saved, UploadKind};
pub use error::ServiceError;
pub use load::{
    public_cells, public_moment_of, public_moments_of, read_contents, site_input, site_input_of,
    text_warnings, Contents, LoadError, PublicMoments,
};
