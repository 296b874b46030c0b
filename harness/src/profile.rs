//! How the measured binary was built, and a warning when its numbers would not compare with
//! the README's: a debug build, or a release profile without one codegen unit and fat LTO.
//!
//! Why the profile matters: a scenario's twins live in the user's crate, the executors and the
//! driver in `twinbench`. With several codegen units or without LTO, what is inlined across
//! that boundary depends on where each generic function happens to be instantiated, so one
//! variant can gain or lose inlining that the other does not.

use std::path::{Path, PathBuf};

/// The profile to add to the workspace's root `Cargo.toml`, as the README gives it.
pub const RECOMMENDED_PROFILE: &str = "\
[profile.release]
codegen-units = 1
lto = \"fat\"
debug = \"line-tables-only\"";

/// How the crate that calls the harness was built. Made by [`build_info!`](crate::build_info)
/// in that crate, so it describes the user's build, not the harness's.
#[derive(Clone, Copy, Debug)]
pub struct BuildInfo {
    /// `cfg!(debug_assertions)`: true in a debug build.
    pub debug_assertions: bool,
    /// `CARGO_MANIFEST_DIR` of the calling crate: where its profile is looked up.
    pub manifest_dir: &'static str,
    /// `CARGO_PROFILE_RELEASE_LTO` at build time, which overrides the manifest.
    pub lto_override: Option<&'static str>,
    /// `CARGO_PROFILE_RELEASE_CODEGEN_UNITS` at build time, which overrides the manifest.
    pub codegen_units_override: Option<&'static str>,
}

impl BuildInfo {
    /// `None` when the build compares with the README's; otherwise why not, and what to do.
    pub fn warning(&self) -> Option<String> {
        if self.debug_assertions {
            return Some(
                "this is a debug build: its numbers say nothing about either twin; \
                 run with `cargo run --release` (or `cargo bench`)"
                    .to_owned(),
            );
        }
        let manifest = profile_manifest(Path::new(self.manifest_dir));
        let table = manifest
            .as_deref()
            .and_then(|path| std::fs::read_to_string(path).ok())
            .and_then(|text| text.parse::<toml::Table>().ok());
        let release = table
            .as_ref()
            .and_then(|t| t.get("profile")?.get("release")?.as_table());
        let lto = self
            .lto_override
            .map(str::to_owned)
            .or_else(|| release.and_then(|r| r.get("lto")).map(value_text));
        let units = self
            .codegen_units_override
            .map(str::to_owned)
            .or_else(|| release.and_then(|r| r.get("codegen-units")).map(value_text));
        let fat = matches!(lto.as_deref(), Some("fat" | "true"));
        let one_unit = units.as_deref() == Some("1");
        if fat && one_unit {
            return None;
        }
        let place = manifest.map_or_else(
            || "the workspace's root Cargo.toml".to_owned(),
            |p| p.display().to_string(),
        );
        Some(format!(
            "the release profile has lto = {}, codegen-units = {}: inlining across crates then \
             differs between variants, so the numbers do not compare with twinbench's README. \
             Add to {place}:\n\n{RECOMMENDED_PROFILE}\n",
            lto.as_deref().unwrap_or("(default)"),
            units.as_deref().unwrap_or("(default)"),
        ))
    }
}

/// `"fat"` for a string, `true`/`1` for the others.
fn value_text(value: &toml::Value) -> String {
    match value {
        toml::Value::String(s) => s.clone(),
        toml::Value::Integer(n) => n.to_string(),
        toml::Value::Boolean(b) => b.to_string(),
        other => format!("{other:?}"),
    }
}

/// The manifest whose `[profile]` cargo obeys: the workspace root above `manifest_dir` (the
/// nearest ancestor manifest with a `[workspace]` table), else the package's own.
fn profile_manifest(manifest_dir: &Path) -> Option<PathBuf> {
    let own = manifest_dir.join("Cargo.toml");
    manifest_dir
        .ancestors()
        .map(|dir| dir.join("Cargo.toml"))
        .filter(|path| path.is_file())
        .find(|path| {
            std::fs::read_to_string(path)
                .ok()
                .and_then(|text| text.parse::<toml::Table>().ok())
                .is_some_and(|table| table.contains_key("workspace"))
        })
        .or_else(|| own.is_file().then_some(own))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(dir: &'static str) -> BuildInfo {
        BuildInfo {
            debug_assertions: false,
            manifest_dir: dir,
            lto_override: None,
            codegen_units_override: None,
        }
    }

    #[test]
    fn the_workspace_profile_is_found_and_accepted() {
        // This crate sits in the twinbench workspace, whose root has the recommended profile.
        assert_eq!(info(env!("CARGO_MANIFEST_DIR")).warning(), None);
    }

    #[test]
    fn a_debug_build_or_a_thin_profile_is_warned_about() {
        let debug = BuildInfo {
            debug_assertions: true,
            ..info(env!("CARGO_MANIFEST_DIR"))
        };
        assert!(debug.warning().unwrap().contains("debug build"));
        let thin = BuildInfo {
            lto_override: Some("thin"),
            ..info(env!("CARGO_MANIFEST_DIR"))
        };
        let warning = thin.warning().unwrap();
        assert!(warning.contains("lto = thin"), "{warning}");
        assert!(warning.contains(RECOMMENDED_PROFILE), "{warning}");
        // No manifest at all (a binary moved elsewhere): the defaults, so a warning.
        assert!(info("/nonexistent-twinbench-dir").warning().is_some());
    }
}
