//! Webhooks. The change log is the outbox: a worker on every api node copies new changes into
//! one delivery row per matching endpoint (under a row lock, in the same transaction that
//! advances its cursor, so a change is queued exactly once and never lost), then claims due
//! deliveries one at a time with a lease (so each is made by one node, and a delivery whose node
//! died is picked up again when the lease runs out) and POSTs them, signed as Standard Webhooks
//! describes. Failures retry with exponential backoff; after the last attempt a delivery is dead
//! until an admin replays it. Every attempt is recorded.
//!
//! An endpoint hears only of what the public could see, before or after a change, unless it was
//! registered with `includeDrafts`; and it reaches public addresses only (see [`address`]).

pub mod address;
mod endpoints;
mod worker;

pub use endpoints::{
    NewEndpoint, attempts, create_endpoint, delete_endpoint, deliveries, endpoints, replay,
};
pub use worker::{Settings, client, deliver_due, fan_out, sign, spawn_worker};

fn now() -> chrono::DateTime<chrono::Utc> {
    use chrono::SubsecRound;
    chrono::Utc::now().trunc_subsecs(6)
}
