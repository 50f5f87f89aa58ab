//! File drop: every file in a folder is a delivery.

use std::path::Path;

use chrono::{DateTime, Utc};

use crate::delivery::{fingerprint, Delivery};

/// The files of `dir` (not recursive, sorted by name) as deliveries. The delivery id is the
/// file name and a fingerprint of the content, so a file dropped again with the same
/// content is a duplicate, and a corrected file under the same name is not.
pub fn read_dir(dir: &Path, received_at: DateTime<Utc>) -> std::io::Result<Vec<Delivery>> {
    let mut paths: Vec<_> = std::fs::read_dir(dir)?.map(|entry| entry.map(|e| e.path())).collect::<Result<_, _>>()?;
    paths.retain(|p| p.is_file());
    paths.sort();
    paths
        .into_iter()
        .map(|path| {
            let body = std::fs::read(&path)?;
            let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            let id = format!("{name}#{}", fingerprint(&body));
            Ok(Delivery::new(id, received_at, body).with_header("file-name", name))
        })
        .collect()
}
