//! The emulated device's build and edition, kept as properties in the store; nodes a build or
//! edition lacks do not exist on it (DESIGN.md "The emulated device").

use pfw_ddf::OsBuild;

use crate::error::StoreError;
use crate::store::Store;

/// Property holding the Windows build (`10.0.26100[.R]`).
pub const BUILD_PROPERTY: &str = "build";
/// Property holding the edition (product type, decimal).
pub const EDITION_PROPERTY: &str = "edition";

/// The build a fresh state emulates: Windows 11 24H2.
pub const DEFAULT_BUILD: OsBuild = OsBuild {
    major: 10,
    minor: 0,
    build: 26100,
    revision: None,
};
/// The edition a fresh state emulates: Enterprise (`PRODUCT_ENTERPRISE`, 0x4).
pub const DEFAULT_EDITION: u32 = 0x4;

/// The device properties node applicability depends on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Device {
    /// Windows build.
    pub build: OsBuild,
    /// Product type (`GetProductInfo`'s `PRODUCT_*` value).
    pub edition: u32,
}

impl Default for Device {
    fn default() -> Self {
        Self {
            build: DEFAULT_BUILD,
            edition: DEFAULT_EDITION,
        }
    }
}

impl Device {
    /// Reads the device from the store's properties; an unset property takes its default, an
    /// unreadable one (a hand-edited state) too.
    pub fn load(store: &dyn Store) -> Result<Self, StoreError> {
        let build = store
            .property(BUILD_PROPERTY)?
            .and_then(|b| b.parse().ok())
            .unwrap_or(DEFAULT_BUILD);
        let edition = store
            .property(EDITION_PROPERTY)?
            .and_then(|e| e.parse().ok())
            .unwrap_or(DEFAULT_EDITION);
        Ok(Self { build, edition })
    }
}

/// Windows editions by name: `(name, product type)`. Names match case-insensitively.
pub const EDITIONS: &[(&str, u32)] = &[
    ("Enterprise", 0x04),
    ("EnterpriseN", 0x1B),
    ("Professional", 0x30),
    ("ProfessionalN", 0x31),
    ("EnterpriseEval", 0x48),
    ("EnterpriseNEval", 0x54),
    ("CoreN", 0x62),
    ("CoreCountrySpecific", 0x63),
    ("CoreSingleLanguage", 0x64),
    ("Core", 0x65),
    ("Education", 0x79),
    ("EducationN", 0x7A),
    ("EnterpriseS", 0x7D),
    ("EnterpriseSN", 0x7E),
    ("EnterpriseSEval", 0x81),
    ("EnterpriseSNEval", 0x82),
    ("Holographic", 0x87),
    ("HolographicBusiness", 0x88),
    ("IoTEnterprise", 0xBC),
    ("IoTEnterpriseS", 0xBF),
    ("ProfessionalWorkstation", 0xA1),
    ("ProfessionalWorkstationN", 0xA2),
    ("ProfessionalEducation", 0xA4),
    ("ProfessionalEducationN", 0xA5),
    ("CloudEdition", 0xCB),
];

/// The product type for an edition given by name (`Enterprise`, `Core`, …; `Home` and `Pro`
/// are accepted for Core and Professional) or as a number (`0x30`, `48`).
pub fn parse_edition(text: &str) -> Option<u32> {
    let text = text.trim();
    let alias = match text.to_ascii_lowercase().as_str() {
        "home" => "Core",
        "pro" => "Professional",
        _ => text,
    };
    EDITIONS
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(alias))
        .map(|(_, id)| *id)
        .or_else(|| pfw_ddf::applicability::parse_edition(text).ok())
}

/// The name of a product type, when known.
pub fn edition_name(id: u32) -> Option<&'static str> {
    EDITIONS
        .iter()
        .find(|(_, i)| *i == id)
        .map(|(name, _)| *name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn editions_by_name_alias_and_number() {
        assert_eq!(parse_edition("enterprise"), Some(0x4));
        assert_eq!(parse_edition("Pro"), Some(0x30));
        assert_eq!(parse_edition("home"), Some(0x65));
        assert_eq!(parse_edition("0x79"), Some(0x79));
        assert_eq!(parse_edition("121"), Some(121));
        assert_eq!(parse_edition("Starter?"), None);
        assert_eq!(edition_name(0x30), Some("Professional"));
    }
}
