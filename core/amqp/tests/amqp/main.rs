//! The RabbitMQ bus against a real RabbitMQ and PostgreSQL (unique names per run; under
//! `CI=true` a missing server fails the tests instead of skipping them). The fault test,
//! which restarts RabbitMQ, is a test binary of its own (`tests/faults`), so that no other
//! test runs while it does.

mod delivery;
mod failures;
mod support;
