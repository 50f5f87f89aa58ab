//! `crossdock demo`: the whole story on the embedded default (see `crossdock_hub::demo`).

use std::path::Path;
use std::process::ExitCode;

use anyhow::Result;

pub fn run(data_dir: &Path) -> Result<ExitCode> {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    let story = rt.block_on(crossdock_hub::demo::run(data_dir)).map_err(|e| anyhow::anyhow!("demo: {e}"))?;
    print!("{story}");
    Ok(ExitCode::SUCCESS)
}
