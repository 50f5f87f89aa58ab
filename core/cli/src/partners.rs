//! Trading partner profiles from `config/partners/*.toml`.

use std::path::Path;

use anyhow::{bail, Context, Result};
use crossdock_x12::PartnerProfile;

/// Every profile in the folder (none when the folder does not exist), all checked;
/// every broken file is reported at once.
pub fn load_all(dir: &Path) -> Result<Vec<PartnerProfile>> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Ok(Vec::new()) };
    let mut paths: Vec<_> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    paths.sort();
    let (mut profiles, mut errors) = (Vec::new(), Vec::new());
    for path in paths {
        let parsed = std::fs::read_to_string(&path)
            .map_err(|e| e.to_string())
            .and_then(|text| toml::from_str::<PartnerProfile>(&text).map_err(|e| e.to_string()))
            .and_then(|p| p.check().map(|()| p));
        match parsed {
            Ok(p) => profiles.push(p),
            Err(e) => errors.push(format!("{}: {e}", path.display())),
        }
    }
    if !errors.is_empty() {
        bail!("invalid partner profiles:\n  {}", errors.join("\n  "));
    }
    Ok(profiles)
}

/// The profile named `id`.
pub fn load(dir: &Path, id: &str) -> Result<PartnerProfile> {
    load_all(dir)?.into_iter().find(|p| p.id == id).with_context(|| {
        format!("no partner profile {id:?} in {} (expected {}/{id}.toml)", dir.display(), dir.display())
    })
}

/// The profile of the partner whose interchange id is `sender_id`, if there is one.
pub fn for_sender(dir: &Path, qualifier: &str, sender_id: &str) -> Result<Option<PartnerProfile>> {
    Ok(load_all(dir)?.into_iter().find(|p| p.their_id == sender_id && p.their_qualifier == qualifier))
}
