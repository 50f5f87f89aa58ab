//! The RabbitMQ bus against a real RabbitMQ and PostgreSQL (unique names per run; under
//! `CI=true` a missing server fails the tests instead of skipping them).

mod delivery;
mod failures;
mod faults;
mod support;
