//! ANSI X12 EDI for Crossdock: a streaming reader that checks envelopes, the mapping of
//! transaction sets to and from the canonical model, a writer, and acknowledgments.
pub mod ack;
pub mod control;
pub mod inbound;
pub mod issue;
pub mod outbound;
pub mod profile;
pub mod reader;
pub mod translate;
pub mod writer;

pub use ack::{acknowledge, AckBuilder, AckError, AckKind, AckOptions, Acknowledgment};
pub use inbound::{map_transaction, Mapped, Warning};
pub use issue::*;
pub use outbound::{write_documents, OutboundError};
pub use profile::PartnerProfile;
pub use reader::{Delimiters, Event, Group, Interchange, ReadError, ReaderOptions, Segment, Transaction, X12Reader};
