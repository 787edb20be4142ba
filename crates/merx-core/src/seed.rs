//! Demo data for `merx serve --demo`: each area adds what a newcomer needs to see it work.
//! Seeding is idempotent, so restarting the demo keeps the data it made.

use crate::error::CoreResult;
use crate::Core;

/// What the demo seed made, for the start-up banner.
#[derive(Debug, Clone, Default)]
pub struct DemoReport {
    pub store_name: String,
}

/// Seeds the demo store.
pub async fn demo(core: &Core) -> CoreResult<DemoReport> {
    let store = core.store.ensure("Merx Demo Store").await?;
    Ok(DemoReport {
        store_name: store.name,
    })
}
