//! `crossdock mapping test`: try a mapping file on a sample, with every problem named by
//! file and line, and the differences from an expected result by JSON path.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use crossdock_mapping::{diff, Mapping};
use serde_json::Value;

pub fn test(mapping: &Path, sample: &Path, expect: Option<&Path>) -> anyhow::Result<ExitCode> {
    let mapping = match Mapping::load(mapping) {
        Ok(mapping) => mapping,
        Err(diagnostics) => {
            eprintln!("{diagnostics}");
            eprintln!("{} problem(s) in the mapping", diagnostics.0.len());
            return Ok(ExitCode::from(1));
        }
    };
    let input = std::fs::read(sample).with_context(|| format!("cannot read {}", sample.display()))?;
    let documents = match mapping.map(&input) {
        Ok(documents) => Value::Array(documents),
        Err(error) => {
            eprintln!("{}: {error}", sample.display());
            return Ok(ExitCode::from(1));
        }
    };
    let Some(expect) = expect else {
        println!("{}", serde_json::to_string_pretty(&documents)?);
        return Ok(ExitCode::SUCCESS);
    };
    let expected: Value =
        serde_json::from_slice(&std::fs::read(expect).with_context(|| format!("cannot read {}", expect.display()))?)
            .with_context(|| format!("{} is not JSON", expect.display()))?;
    let differences = diff(&expected, &documents);
    if differences.is_empty() {
        println!("ok: {} matches {}", sample.display(), expect.display());
        return Ok(ExitCode::SUCCESS);
    }
    println!("{} differs from {}:", sample.display(), expect.display());
    for difference in &differences {
        println!("  {difference}");
    }
    Ok(ExitCode::from(1))
}
