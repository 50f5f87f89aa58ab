//! The crate's errors: one for the runtime, one for its store.

use crate::handler::HandlerError;

/// What can go wrong in the runtime.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The handler refused the message; nothing was recorded, so it may be submitted again.
    #[error("message {message_id} was not handled: {source}")]
    Handler {
        message_id: String,
        #[source]
        source: HandlerError,
    },
    /// The handler refused, on replay, a message it once accepted: it is not deterministic
    /// or its code changed incompatibly. The state cannot be rebuilt faithfully.
    #[error("replay failed at inbox sequence {sequence} (message {message_id}): {source}")]
    Replay {
        sequence: i64,
        message_id: String,
        #[source]
        source: HandlerError,
    },
    #[error("invalid message: {0}")]
    InvalidMessage(String),
    /// A submit was interrupted (store failure or cancellation) after the handler changed
    /// its state: memory may be ahead of the store. Reopen the runtime to rebuild it.
    #[error("the runtime stopped after an interrupted submit; reopen it to rebuild its state by replay")]
    Poisoned,
    /// Deliveries are recorded per subscriber name, so names must be unique.
    #[error("two subscribers are named {0:?}")]
    DuplicateSubscriber(String),
}

/// What can go wrong in a [`Store`](crate::Store).
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migrations: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A stored row holds something the code cannot accept.
    #[error("corrupt store: {0}")]
    Corrupt(String),
}
