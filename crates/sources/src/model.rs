//! The typed source every reader produces: a list of writes to PassportForWork nodes, each
//! with where it is in the file and the name the source itself gives the setting. Nothing
//! above the readers knows the file formats.

use std::fmt;

use pfw_passport::policy::{GROUP_POLICY_TENANT, SourceKind};
use serde::Serialize;

use crate::error::At;

/// The tenant segment of a setting whose source does not name a tenant (Settings Catalog,
/// identity protection, the enrollment policy): Intune fills it with the tenant when it sends
/// the policy (policy-sources-facts.md §4a). [`combine`](crate::combine) replaces it.
pub const TENANT_PLACEHOLDER: &str = "{TenantId}";

/// Which policy source a setting belongs to, in Windows' terms (policy-facts.md §1).
#[derive(Clone, Copy, Debug, Eq, Hash, Ord, PartialEq, PartialOrd, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Scope {
    /// Group Policy, Computer Configuration (HKLM).
    ComputerGroupPolicy,
    /// The `./Device` tree (device MDM).
    DeviceMdm,
    /// Group Policy, User Configuration (HKCU).
    UserGroupPolicy,
    /// A `./User` tree (user MDM).
    UserMdm,
}

impl Scope {
    /// The resolver's kind of source.
    pub fn kind(self) -> SourceKind {
        match self {
            Self::ComputerGroupPolicy => SourceKind::ComputerGroupPolicy,
            Self::DeviceMdm => SourceKind::Device,
            Self::UserGroupPolicy => SourceKind::UserGroupPolicy,
            Self::UserMdm => SourceKind::User,
        }
    }

    /// Whether this is a Group Policy scope (its tenant policies carry no tenant).
    pub fn is_group_policy(self) -> bool {
        matches!(self, Self::ComputerGroupPolicy | Self::UserGroupPolicy)
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.kind(), f)
    }
}

/// The file formats pfw reads policy from.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, Eq, Hash, PartialEq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    /// An Intune custom profile (`windows10CustomConfiguration` with `omaSettings`).
    CustomOma,
    /// The tenant-wide `deviceEnrollmentWindowsHelloForBusinessConfiguration`.
    EnrollmentPolicy,
    /// A GPO backup's report (`gpreport.xml`).
    GpReport,
    /// The legacy `windowsIdentityProtectionConfiguration`.
    IdentityProtection,
    /// The template-based `deviceManagementIntent` (Account protection (Preview)).
    Intent,
    /// A `.reg` export (`Windows Registry Editor Version 5.00` or `REGEDIT4`).
    RegExport,
    /// A Registry.pol (PReg).
    RegistryPol,
    /// A Settings Catalog or Account protection `deviceManagementConfigurationPolicy`.
    SettingsCatalog,
    /// A SyncML message, as an MDM server sends it.
    SyncMl,
}

impl Format {
    /// Whether the format is Group Policy.
    pub fn is_group_policy(self) -> bool {
        matches!(self, Self::GpReport | Self::RegExport | Self::RegistryPol)
    }

    /// Whether the format is an Intune export.
    pub fn is_intune(self) -> bool {
        !matches!(
            self,
            Self::GpReport | Self::RegExport | Self::RegistryPol | Self::SyncMl
        )
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::CustomOma => "Intune custom profile (omaSettings)",
            Self::EnrollmentPolicy => "Intune Windows Hello for Business enrollment policy",
            Self::GpReport => "GPO report",
            Self::IdentityProtection => "Intune identity protection profile",
            Self::Intent => "Intune account protection (intent)",
            Self::RegExport => ".reg export",
            Self::RegistryPol => "Registry.pol",
            Self::SettingsCatalog => "Intune Settings Catalog policy",
            Self::SyncMl => "SyncML message",
        })
    }
}

/// One write a source makes to a PassportForWork node.
#[derive(Clone, Debug, Eq, PartialEq, Serialize)]
pub struct Setting {
    /// The source it belongs to.
    pub scope: Scope,
    /// The node, below `PassportForWork/`, tenant segment included
    /// (`{TenantId}/Policies/PINComplexity/MinimumPINLength`, `Biometrics/UseBiometrics`;
    /// Group Policy writes [`GROUP_POLICY_TENANT`] as its tenant).
    pub path: String,
    /// The CSP text of the value (`true`, `6`), or `None` when the source removes the value
    /// (a Registry.pol `**del.`, a .reg `=-`): the policy is then not configured by it.
    pub value: Option<String>,
    /// Where it is in the file.
    #[serde(skip)]
    pub at: At,
    /// The name the source gives the setting (a registry value, an ADMX display name, an
    /// Intune setting id or property).
    pub name: String,
}

impl Setting {
    /// The catalog key of the node: the path below `{TenantId}/Policies/` or below the root.
    pub fn key(&self) -> &str {
        let mut parts = self.path.splitn(3, '/');
        match (parts.next(), parts.next(), parts.next()) {
            (Some(_), Some("Policies"), Some(key)) => key,
            _ => &self.path,
        }
    }

    /// The tenant segment, if the node is below one.
    pub fn tenant(&self) -> Option<&str> {
        let (first, rest) = self.path.split_once('/')?;
        (rest.starts_with("Policies/") && first != GROUP_POLICY_TENANT).then_some(first)
    }
}

/// A setting of the file that is not applied, and why (an unknown registry value name, an
/// encrypted OMA value, a choice id that maps to no value).
#[derive(Clone, Debug, Eq, PartialEq, Serialize)]
pub struct Ignored {
    /// What kind of reason it is.
    pub class: IgnoredClass,
    /// The name the source gives it.
    pub name: String,
    /// Where it is in the file.
    #[serde(skip)]
    pub at: At,
    /// Why it is not applied.
    pub reason: String,
}

/// Why a setting of a file is not applied.
#[derive(Clone, Copy, Debug, Eq, Hash, PartialEq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum IgnoredClass {
    /// A value the source cannot send as written (a Settings Catalog choice id that maps to no
    /// value, a registry value of the wrong type): an error in the file.
    Invalid,
    /// A setting that changes nothing for Windows Hello although it looks as if it should
    /// (MDMWinsOverGP).
    NoEffect,
    /// The export hides the value (`isEncrypted`, `****`): it cannot be checked.
    NotCheckable,
    /// Not applied by Windows, by rule (a Group Policy-only setting, a state that is neither
    /// Enabled nor Disabled).
    NotApplied,
    /// A name Windows does not know under a Windows Hello key or CSP: kept and shown.
    Unknown,
}

/// One file read as a policy source.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct Source {
    /// The file's name, as given.
    pub file: String,
    /// Its format.
    pub format: Format,
    /// The profile's or GPO's own name, when it has one.
    pub title: Option<String>,
    /// Its writes to PassportForWork nodes, in file order.
    pub settings: Vec<Setting>,
    /// Its Windows Hello settings that are not applied, and why.
    pub ignored: Vec<Ignored>,
    /// How many of its entries are not Windows Hello policy at all (other registry keys,
    /// other GPO extensions' policies, other CSPs' settings).
    pub unrelated: usize,
}

impl Source {
    pub(crate) fn new(file: &str, format: Format) -> Self {
        Self {
            file: file.to_owned(),
            format,
            title: None,
            settings: Vec::new(),
            ignored: Vec::new(),
            unrelated: 0,
        }
    }
    /// Records a setting of the file that is not applied, and why.
    pub(crate) fn ignore(
        &mut self,
        class: IgnoredClass,
        name: impl Into<String>,
        at: At,
        reason: impl Into<String>,
    ) {
        self.ignored.push(Ignored {
            class,
            name: name.into(),
            at,
            reason: reason.into(),
        });
    }
}
