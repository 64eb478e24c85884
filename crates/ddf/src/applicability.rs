//! `MSFT:Applicability`: which Windows builds and editions have a node.
//!
//! An `MSFT:OsBuildVersion` entry `10.0.B.R` means "from build B, revision R". A device at
//! `10.0.D.r` has the node when an entry is on the same servicing branch as D with R ≤ r, or when
//! D's branch is newer than every entry's (the Insider marker `99.9.99999` aside, which only an
//! Insider device matches and which every Insider device passes). Releases that share a
//! servicing branch share revisions: 18362–18363, 19041–19045, 22621 and 22631, 26100 and 26200.
//! `MSFT:EditionAllowList` lists Windows product types (`GetProductInfo`'s `PRODUCT_*` values).

use std::fmt;
use std::str::FromStr;

use crate::error::BuildError;

/// A node's `MSFT:Applicability`, with each element's text kept as written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Applicability {
    /// `MSFT:OsBuildVersion` as written (comma-separated builds).
    pub os_build_text: Option<String>,
    /// The parsed builds of `os_build_text`.
    pub os_builds: Vec<OsBuild>,
    /// `MSFT:CspVersion` as written.
    pub csp_version: Option<String>,
    /// `MSFT:EditionAllowList` as written (`0x4;0x30;…;`).
    pub edition_text: Option<String>,
    /// The parsed product types of `edition_text`; empty when no list is given.
    pub editions: Vec<u32>,
    /// Child elements the loader did not model.
    pub skipped: Vec<String>,
}

impl Applicability {
    /// Whether a device at `build` has the node, by build alone. No `OsBuildVersion` means any
    /// build.
    pub fn allows_build(&self, build: OsBuild) -> bool {
        if self.os_builds.is_empty() {
            return true;
        }
        let device_branch = build.branch();
        let same_branch = self.os_builds.iter().any(|e| {
            e.branch() == device_branch && e.revision.unwrap_or(0) <= build.revision.unwrap_or(0)
        });
        if same_branch {
            return true;
        }
        if build.is_insider() {
            // An Insider build is newer than every released build.
            return self.os_builds.iter().any(|e| !e.is_insider());
        }
        // Read in place, not collected: this runs for every node of every command's path.
        let mut released = self
            .os_builds
            .iter()
            .copied()
            .filter(|e| !e.is_insider())
            .peekable();
        released.peek().is_some() && released.all(|e| build.newer_branch_than(e))
    }

    /// Whether a device of product type `edition` has the node. No list means every edition.
    pub fn allows_edition(&self, edition: u32) -> bool {
        self.editions.is_empty() || self.editions.contains(&edition)
    }

    /// Whether a device at `build` and of product type `edition` has the node.
    pub fn allows(&self, build: OsBuild, edition: u32) -> bool {
        self.allows_build(build) && self.allows_edition(edition)
    }

    /// Parses an `MSFT:OsBuildVersion` text (comma-separated, spaces allowed).
    pub fn parse_builds(text: &str) -> Result<Vec<OsBuild>, BuildError> {
        text.split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::parse)
            .collect()
    }

    /// Parses an `MSFT:EditionAllowList` text (`0x4;0x30;`, hexadecimal or decimal).
    pub fn parse_editions(text: &str) -> Result<Vec<u32>, BuildError> {
        text.split(';')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(parse_edition)
            .collect()
    }
}

/// Parses one product type: `0x30` (hexadecimal) or `48` (decimal). A trailing `*`, which
/// Microsoft's December 2022 and May 2023 files put on one entry (`0x88*`), is a footnote
/// marker and is ignored.
pub fn parse_edition(text: &str) -> Result<u32, BuildError> {
    let text = text.trim();
    let text = text.strip_suffix('*').unwrap_or(text);
    let parsed = match text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        Some(hex) => u32::from_str_radix(hex, 16),
        None => text.parse(),
    };
    parsed.map_err(|_| BuildError::Edition(text.to_owned()))
}

/// A Windows build: `major.minor.build[.revision]` (e.g. `10.0.26100.1742`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct OsBuild {
    /// Major version (10, or 99 for the Insider marker).
    pub major: u32,
    /// Minor version.
    pub minor: u32,
    /// Build number.
    pub build: u32,
    /// Revision (update build revision), when given.
    pub revision: Option<u32>,
}

impl OsBuild {
    /// The Insider Preview marker Microsoft's DDFs use, `99.9.99999`.
    pub const INSIDER: Self = Self {
        major: 99,
        minor: 9,
        build: 99999,
        revision: None,
    };

    /// Whether this is the Insider Preview marker build.
    pub fn is_insider(self) -> bool {
        self.major == 99 && self.minor == 9 && self.build == 99999
    }

    /// The first build of this build's servicing branch (releases on one branch share
    /// revisions).
    pub fn branch(self) -> u32 {
        match self.build {
            18362 | 18363 => 18362,
            19041..=19045 => 19041,
            22621 | 22631 => 22621,
            26100 | 26200 => 26100,
            other => other,
        }
    }

    fn newer_branch_than(self, other: Self) -> bool {
        (self.major, self.minor, self.branch()) > (other.major, other.minor, other.branch())
    }
}

impl FromStr for OsBuild {
    type Err = BuildError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let bad = || BuildError::Build(text.to_owned());
        let mut parts = text.trim().split('.');
        let mut number = |required: bool| -> Result<Option<u32>, BuildError> {
            match parts.next() {
                Some(p) if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) => {
                    p.parse().map(Some).map_err(|_| bad())
                }
                Some(_) => Err(bad()),
                None if required => Err(bad()),
                None => Ok(None),
            }
        };
        let (Some(major), Some(minor), Some(build)) = (number(true)?, number(true)?, number(true)?)
        else {
            return Err(bad());
        };
        let revision = number(false)?;
        if parts.next().is_some() {
            return Err(bad());
        }
        Ok(Self {
            major,
            minor,
            build,
            revision,
        })
    }
}

impl fmt::Display for OsBuild {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.build)?;
        if let Some(revision) = self.revision {
            write!(f, ".{revision}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn app(builds: &str) -> Applicability {
        Applicability {
            os_build_text: Some(builds.to_owned()),
            os_builds: Applicability::parse_builds(builds).unwrap(),
            csp_version: None,
            edition_text: None,
            editions: Vec::new(),
            skipped: Vec::new(),
        }
    }

    fn build(text: &str) -> OsBuild {
        text.parse().unwrap()
    }

    /// One line per case: (entries, device build, has the node). Source: DESIGN.md
    /// "Applicability" and the builds of DisablePostLogonProvisioning / UseCloudTrustForOnPremAuth
    /// in Microsoft's current DDF.
    #[test]
    fn build_applicability_table() {
        const POST_LOGON: &str =
            "99.9.99999, 10.0.22621.3374, 10.0.22000.2899, 10.0.20348.2402, 10.0.19041.4239";
        const CLOUD_TRUST: &str = "10.0.22621, 10.0.22000.527, 10.0.19044.1566";
        let cases: &[(&str, &str, bool)] = &[
            ("10.0.10586", "10.0.26100", true),      // newer than every entry
            ("10.0.17134", "10.0.16299", false),     // older than the only entry
            ("10.0.17134", "10.0.17134", true),      // same build, no revision needed
            (POST_LOGON, "10.0.26100", true),        // newer branch than every released entry
            (POST_LOGON, "10.0.22631.3374", true),   // 22631 shares 22621's revisions
            (POST_LOGON, "10.0.22631.3373", false),  // one revision short on the branch
            (POST_LOGON, "10.0.19045.4239", true),   // 19045 shares 19041's revisions
            (POST_LOGON, "10.0.19045.4238", false),  // one revision short
            (POST_LOGON, "10.0.22000.2899", true),   // exact entry
            (POST_LOGON, "10.0.18363", false),       // older than every entry
            (POST_LOGON, "99.9.99999", true),        // Insider marker listed
            (CLOUD_TRUST, "10.0.19044.1566", true),  // exact entry
            (CLOUD_TRUST, "10.0.19041.1566", true),  // same branch, same revision
            (CLOUD_TRUST, "10.0.19044.1565", false), // revision short
            (CLOUD_TRUST, "10.0.22621.1", true),     // entry without revision = revision 0
            (CLOUD_TRUST, "10.0.26200", true),       // newer branch
            ("99.9.99999", "10.0.26100", false),     // Insider-only node on a release build
            ("99.9.99999", "99.9.99999", true),      // Insider-only node on an Insider build
            ("10.0.22621", "99.9.99999", true),      // Insider builds have released nodes
        ];
        for (entries, device, expected) in cases {
            assert_eq!(
                app(entries).allows_build(build(device)),
                *expected,
                "{entries} on {device}"
            );
        }
    }

    #[test]
    fn editions_parse_hex_and_trailing_separator() {
        assert_eq!(
            Applicability::parse_editions("0x4;0x1B;0x30;").unwrap(),
            vec![4, 0x1b, 0x30]
        );
        assert_eq!(
            Applicability::parse_editions("0x88;0x88*;").unwrap(),
            vec![0x88, 0x88]
        );
        assert!(Applicability::parse_editions("0x4;zz").is_err());
    }

    #[test]
    fn builds_reject_garbage() {
        for bad in ["10.0", "10.0.x", "10.0.1.2.3", "", "10..1", "+10.0.1"] {
            assert!(bad.parse::<OsBuild>().is_err(), "{bad:?}");
        }
        assert_eq!(build("10.0.26100.1742").to_string(), "10.0.26100.1742");
    }
}
