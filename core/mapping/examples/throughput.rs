//! Compile once, evaluate many: how long loading a mapping takes, and how many documents
//! a second it maps. `cargo run --release -p crossdock-mapping --example throughput
//! [MAPPING SAMPLE]` (default: the ERP CSV example, two orders per run).

use std::path::PathBuf;
use std::time::Instant;

use crossdock_mapping::Mapping;

fn main() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../mappings/erp-acme-csv");
    let mut args = std::env::args().skip(1);
    let mapping = args.next().map_or(root.join("erp-acme-csv.toml"), PathBuf::from);
    let sample = args.next().map_or(root.join("samples/orders.csv"), PathBuf::from);

    let started = Instant::now();
    let mapping = Mapping::load(&mapping).unwrap_or_else(|d| panic!("{d}"));
    let compiled = started.elapsed();
    let input = std::fs::read(&sample).expect("the sample");

    let runs = 20_000;
    let started = Instant::now();
    let mut documents = 0;
    for _ in 0..runs {
        documents += mapping.map(&input).expect("the sample maps").len();
    }
    let elapsed = started.elapsed();
    println!("compiled {} in {compiled:?}", mapping.name);
    println!(
        "{documents} documents in {elapsed:?}: {:.0} documents/s, {:?} per input",
        documents as f64 / elapsed.as_secs_f64(),
        elapsed / runs
    );
}
