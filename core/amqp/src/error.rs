/// What can go wrong on the bus.
#[derive(Debug, thiserror::Error)]
pub enum AmqpError {
    #[error("RabbitMQ: {0}")]
    Amqp(#[from] lapin::Error),
    /// The broker refused to take responsibility for a message (a negative confirm).
    #[error("RabbitMQ did not confirm message {0}")]
    NotConfirmed(String),
    /// No channel to publish on (the reason the connection failed).
    #[error("RabbitMQ unavailable: {0}")]
    Unavailable(String),
    #[error("message {0} cannot be encoded: {1}")]
    Encoding(String, serde_json::Error),
}
