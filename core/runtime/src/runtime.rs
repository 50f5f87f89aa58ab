//! The runtime: hosts a [`Handler`], makes every submit (or batch of submits) one transaction, rebuilds the
//! handler's state by replay when it opens.

use std::sync::Arc;

use crossdock_model::Envelope;
use serde_json::Value;
use tokio::sync::{watch, Mutex};
use tracing::{debug, error, info, warn, Instrument};

use crate::bus::Bus;
use crate::clock::{Clock, SystemClock};
use crate::error::Error;
use crate::handler::{handle_and_wrap, Handler, HandlerError};
use crate::store::{Processed, Store};

const EMPTY_ID: &str = "the message id is empty";

/// How many inbox records replay reads at a time.
const REPLAY_PAGE: u32 = 512;

/// A handler, its store and its clock. Share it (`Arc<Runtime>`) between intake tasks:
/// submits are handled one at a time, in the order they take the handler.
pub struct Runtime<S: Store, H: Handler> {
    store: S,
    clock: Arc<dyn Clock>,
    state: Mutex<State<H>>,
    /// Bumped after each commit that added to the outbox: wakes the bus.
    outbox_changes: watch::Sender<u64>,
    replayed: Replayed,
}

struct State<H> {
    handler: H,
    /// Set while memory may be ahead of the store; see [`Error::Poisoned`].
    poisoned: bool,
}

/// What [`Runtime::submit`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Submitted {
    /// Handled and committed at this inbox sequence; `produced` is in the outbox.
    Processed { sequence: i64, produced: Vec<Envelope<Value>> },
    /// Handled before (same id, or same tenant and idempotency key): nothing was done.
    Duplicate { original_id: String, sequence: i64 },
}

/// What replay did when the runtime opened.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Replayed {
    /// Inbox messages handed to the handler again.
    pub messages: u64,
    /// Messages whose outputs differed from the recorded ones: a non-deterministic
    /// handler. Each is logged as an error; 0 is the only healthy value.
    pub diverged: u64,
}

impl<S: Store, H: Handler> Runtime<S, H> {
    /// Opens the runtime on the system clock. See [`Runtime::open_with_clock`].
    pub async fn open(store: S, handler: H) -> Result<Self, Error> {
        Self::open_with_clock(store, handler, Arc::new(SystemClock)).await
    }

    /// Opens the runtime: `handler` is the initial state (as built from configuration);
    /// every message in the inbox is handed to it again, in order, with its recorded
    /// `now`, which brings it to where it was. Replay outputs are compared with the
    /// recorded outbox, not written again.
    pub async fn open_with_clock(store: S, mut handler: H, clock: Arc<dyn Clock>) -> Result<Self, Error> {
        let replayed = replay(&store, &mut handler).await?;
        let (outbox_changes, _) = watch::channel(0);
        Ok(Runtime { store, clock, state: Mutex::new(State { handler, poisoned: false }), outbox_changes, replayed })
    }

    /// Handles `message` once: in one transaction, records it in the inbox, runs the
    /// handler, appends what it produced to the outbox. A message seen before is reported
    /// as [`Submitted::Duplicate`] and not handled; a handler error commits nothing.
    /// When this returns `Ok`, the outcome is on disk.
    pub async fn submit(&self, message: &Envelope<Value>) -> Result<Submitted, Error> {
        let span = tracing::info_span!(
            "submit",
            message_id = %message.id,
            correlation_id = %message.correlation_id,
            event_type = %message.event_type,
        );
        let mut outcomes = self.submit_batch(std::slice::from_ref(message)).instrument(span).await?;
        outcomes.pop().expect("one outcome per message")
    }

    /// Handles `messages` in order, as [`submit`](Self::submit) does each, in **one
    /// transaction** (one fsync for all). The outer `Err` means nothing was committed;
    /// otherwise there is one outcome per message: processed, duplicate (also of an
    /// earlier message of the batch), or refused by the handler (nothing recorded for it).
    pub async fn submit_batch(&self, messages: &[Envelope<Value>]) -> Result<Vec<Result<Submitted, Error>>, Error> {
        let received_at = self.clock.now();
        let mut state = self.state.lock().await;
        let State { handler, poisoned } = &mut *state;
        if *poisoned {
            return Err(Error::Poisoned);
        }
        // Read under the lock, so `now` never goes back as the inbox sequence goes up.
        let now = self.clock.now();
        let processed = self
            .store
            .process_batch(messages, now, received_at, |message| {
                if message.id.is_empty() {
                    return Err(HandlerError::new(EMPTY_ID));
                }
                // Until the store reports how this ended, memory may be ahead of it. If
                // this future is dropped before then, the flag stays set.
                *poisoned = true;
                handle_and_wrap(handler, message, now)
            })
            .await;
        let outcomes = match processed {
            Ok(outcomes) => outcomes,
            Err(failure) => {
                if *poisoned {
                    error!(%failure, "store failed after the handler ran; refusing work until reopened");
                }
                return Err(failure.into());
            }
        };
        // Committed; refusals left the handler's state as it was (the Handler contract).
        *poisoned = false;
        let mut wake = false;
        let outcomes = messages
            .iter()
            .zip(outcomes)
            .map(|(message, outcome)| match outcome {
                Processed::Committed { sequence, produced } => {
                    wake |= !produced.is_empty();
                    debug!(message_id = %message.id, sequence, produced = produced.len(), "handled");
                    Ok(Submitted::Processed { sequence, produced })
                }
                Processed::Duplicate { original_id, sequence } => {
                    info!(message_id = %message.id, %original_id, sequence, "duplicate, not handled again");
                    Ok(Submitted::Duplicate { original_id, sequence })
                }
                Processed::Refused(_) if message.id.is_empty() => Err(Error::InvalidMessage(EMPTY_ID.to_string())),
                Processed::Refused(source) => {
                    warn!(message_id = %message.id, %source, "handler refused the message");
                    Err(Error::Handler { message_id: message.id.clone(), source })
                }
            })
            .collect();
        if wake {
            self.outbox_changes.send_modify(|commits| *commits += 1);
        }
        Ok(outcomes)
    }

    /// True after a store failure that left memory ahead of the store: this runtime
    /// refuses work; open a new one (which rebuilds the state by replay).
    pub async fn is_poisoned(&self) -> bool {
        self.state.lock().await.poisoned
    }

    /// Reads the handler's state (for queries such as available-to-promise), between
    /// submits.
    pub async fn inspect<R>(&self, read: impl FnOnce(&H) -> R) -> R {
        read(&self.state.lock().await.handler)
    }

    /// What replay did at open.
    pub fn replayed(&self) -> Replayed {
        self.replayed
    }

    pub fn store(&self) -> &S {
        &self.store
    }

    pub fn clock(&self) -> Arc<dyn Clock> {
        Arc::clone(&self.clock)
    }

    /// Changes whenever a commit adds to the outbox.
    pub fn outbox_changes(&self) -> watch::Receiver<u64> {
        self.outbox_changes.subscribe()
    }

    /// A bus over this runtime's outbox, woken by its commits. Add subscribers, then run it.
    pub fn bus(&self) -> Bus<S> {
        Bus::new(self.store.clone(), self.clock(), self.outbox_changes())
    }
}

async fn replay<S: Store, H: Handler>(store: &S, handler: &mut H) -> Result<Replayed, Error> {
    let mut replayed = Replayed::default();
    let mut after = 0;
    loop {
        let page = store.inbox_after(after, REPLAY_PAGE).await?;
        if page.is_empty() {
            break;
        }
        for record in page {
            after = record.sequence;
            let produced = handle_and_wrap(handler, &record.message, record.now).map_err(|source| Error::Replay {
                sequence: record.sequence,
                message_id: record.message.id.clone(),
                source,
            })?;
            if produced != record.produced {
                replayed.diverged += 1;
                error!(
                    sequence = record.sequence,
                    message_id = %record.message.id,
                    "replay diverged: the handler produced other messages than it did the first time; \
                     it is not deterministic, and the state rebuilt may not be the state that was"
                );
            }
            replayed.messages += 1;
        }
    }
    info!(messages = replayed.messages, diverged = replayed.diverged, "state rebuilt from the inbox");
    Ok(replayed)
}
