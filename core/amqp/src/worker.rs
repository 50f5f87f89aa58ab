//! One worker of the distributed deployment. Every worker consumes the outbound queues
//! (competing consumers); exactly one at a time owns the broker: it holds the PostgreSQL
//! ownership lock, rebuilds the handler's state by replaying the inbox, consumes the
//! intake queue and relays the outbox. The others stand by and take over when it dies.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use crossdock_runtime::{BusConfig, Handler, Ownership, PgStore, Runtime, Subscriber};
use tokio::sync::watch;
use tokio::task::JoinSet;
use tracing::{error, info, warn};

use crate::consumer::{consume, ConsumerConfig, Intake};
use crate::error::AmqpError;
use crate::publisher::{OutboxRelay, Publisher};
use crate::topology::Topology;

/// What a worker connects to and consumes.
#[derive(Clone)]
pub struct WorkerConfig {
    pub amqp_url: String,
    pub topology: Topology,
    /// The event types the broker takes in (topic patterns).
    pub intake: ConsumerConfig,
    /// How often a standby worker tries to take the ownership, and the owner checks it
    /// still has it.
    pub ownership_poll: Duration,
    /// Topic patterns of the events the outbox relay publishes (see
    /// [`OutboxRelay::publishing_only`]); `["#"]` for all.
    pub publish: Vec<String>,
}

/// An outbound consumer: its queue settings and its subscriber (a connector).
pub type Outbound = (ConsumerConfig, Arc<dyn Subscriber>);

/// Runs a worker until `shutdown` completes. `handler` builds the broker's initial state
/// (from configuration) each time this worker becomes the owner.
pub async fn run_worker<H, F>(
    config: WorkerConfig,
    store: PgStore,
    handler: F,
    outbound: Vec<Outbound>,
    shutdown: impl Future<Output = ()> + Send,
) -> Result<(), AmqpError>
where
    H: Handler + 'static,
    F: Fn() -> H,
{
    declare_all(&config, &outbound).await?;
    let (stop, stopping) = watch::channel(false);
    let mut tasks = JoinSet::new();
    for (consumer, subscriber) in outbound {
        let (url, topology, stopping) = (config.amqp_url.clone(), config.topology.clone(), stopping.clone());
        tasks.spawn(async move { consume(&url, &topology, &consumer, subscriber, stopped(stopping)).await });
    }
    tokio::pin!(shutdown);
    loop {
        let ownership = tokio::select! {
            _ = &mut shutdown => break,
            taken = store.wait_for_ownership(config.ownership_poll) => taken,
        };
        let ownership = match ownership {
            Ok(ownership) => ownership,
            Err(failure) => {
                warn!(%failure, "cannot reach the store; will try again");
                tokio::time::sleep(config.ownership_poll).await;
                continue;
            }
        };
        info!(epoch = ownership.epoch(), "this worker owns the broker");
        let shut = own(&config, &store, ownership, handler(), &mut shutdown).await;
        if shut {
            break;
        }
    }
    let _ = stop.send(true);
    while let Some(joined) = tasks.join_next().await {
        if let Err(failure) = joined {
            error!(%failure, "a consumer ended abnormally");
        }
    }
    Ok(())
}

/// Hosts the broker until shutdown (returns true) or until the ownership is lost
/// (returns false: stand by again).
async fn own<H: Handler + 'static>(
    config: &WorkerConfig,
    store: &PgStore,
    ownership: Ownership,
    handler: H,
    shutdown: &mut (impl Future<Output = ()> + Send + Unpin),
) -> bool {
    let runtime = match Runtime::open(ownership.store(), handler).await {
        Ok(runtime) => Arc::new(runtime),
        Err(failure) => {
            error!(%failure, "cannot rebuild the broker's state; giving the ownership up");
            return false;
        }
    };
    info!(replayed = runtime.replayed().messages, "broker state rebuilt from the inbox");
    let (stop, stopping) = watch::channel(false);
    let relay = OutboxRelay::new(Publisher::new(config.amqp_url.clone(), config.topology.clone()))
        .publishing_only(config.publish.clone());
    // An unreachable RabbitMQ is a reason to wait, never to park an outbox message.
    let relay_config = BusConfig {
        max_attempts: u32::MAX,
        first_backoff: Duration::from_millis(50),
        max_backoff: Duration::from_secs(5),
        poll_interval: Duration::from_millis(200),
        batch_size: 2048,
        ..BusConfig::default()
    };
    let mut tasks = JoinSet::new();
    let bus = runtime.bus().subscribe(Arc::new(relay)).with_config(relay_config);
    let bus_stopping = stopping.clone();
    tasks.spawn(async move {
        if let Err(failure) = bus.run(stopped(bus_stopping)).await {
            error!(%failure, "the outbox relay stopped");
        }
    });
    let (url, topology, intake) = (config.amqp_url.clone(), config.topology.clone(), config.intake.clone());
    let subscriber: Arc<dyn Subscriber> = Arc::new(Intake::new(Arc::clone(&runtime)));
    let intake_stopping = stopping.clone();
    tasks.spawn(async move { consume(&url, &topology, &intake, subscriber, stopped(intake_stopping)).await });

    let epoch = ownership.epoch();
    let shut = loop {
        tokio::select! {
            _ = &mut *shutdown => break true,
            _ = tokio::time::sleep(config.ownership_poll) => {}
        }
        // A store failure mid-batch left memory ahead of the store: rebuild by replay.
        if runtime.is_poisoned().await {
            warn!(epoch, "the broker's state may be ahead of the store; rebuilding it");
            break false;
        }
        // Another worker took over (this one's lock connection died): its commits are
        // fenced already; stop consuming before retries park intake messages.
        match store.lease_epoch().await {
            Ok(current) if current != epoch => {
                warn!(epoch, current, "the broker ownership moved; standing by");
                break false;
            }
            Ok(_) => {}
            Err(failure) => warn!(%failure, "cannot check the ownership"),
        }
    };
    let _ = stop.send(true);
    while tasks.join_next().await.is_some() {}
    if let Err(failure) = ownership.release().await {
        warn!(%failure, "releasing the ownership failed; closing the connection releases it");
    }
    shut
}

/// Every queue, before anything is published: an event published before its consumer's
/// queue is bound would be routed nowhere.
async fn declare_all(config: &WorkerConfig, outbound: &[Outbound]) -> Result<(), AmqpError> {
    let mut backoff = Duration::from_millis(100);
    loop {
        let declared = async {
            let connection = crate::connect(&config.amqp_url).await?;
            let channel = connection.create_channel().await?;
            config.topology.declare_consumer(&channel, &config.intake.name, &config.intake.bindings).await?;
            for (consumer, _) in outbound {
                config.topology.declare_consumer(&channel, &consumer.name, &consumer.bindings).await?;
            }
            let _ = connection.close(200, "declared").await;
            Ok::<_, AmqpError>(())
        };
        match declared.await {
            Ok(()) => return Ok(()),
            Err(failure) => {
                warn!(%failure, ?backoff, "cannot declare the topology; retrying");
                tokio::time::sleep(backoff).await;
                backoff = crate::next_backoff(backoff);
            }
        }
    }
}

async fn stopped(mut stopping: watch::Receiver<bool>) {
    let _ = stopping.wait_for(|stop| *stop).await;
}
