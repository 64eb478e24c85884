//! The samples in `../shared/reference/samples/` (see each `.source.txt`), read with every
//! setting accounted for: applied, ignored with a reason, or not Windows Hello policy.

use pfw_passport::policy::{PolicyValue, Provenance, keys};
use pfw_sources::{Format, IgnoredClass, Scope, TENANT_PLACEHOLDER};

use crate::support::{T, must_read, policy_of, read_sample};

fn settings(source: &pfw_sources::Source) -> Vec<(Scope, String, Option<String>)> {
    source
        .settings
        .iter()
        .map(|s| (s.scope, s.key().to_owned(), s.value.clone()))
        .collect()
}

fn set(scope: Scope, key: &str, value: &str) -> (Scope, String, Option<String>) {
    (scope, key.to_owned(), Some(value.to_owned()))
}

/// dod-windows10-computer-registry.pol.source.txt: 105 entries; the Windows Hello ones are
/// RequireSecurityDevice=1, TPM12=0, MinimumPINLength=6, EnhancedAntiSpoofing=1.
#[test]
fn dod_registry_pol() {
    let s = read_sample(
        "Machine/registry.pol",
        "gpo/dod-windows10-computer-registry.pol",
    );
    let c = Scope::ComputerGroupPolicy;
    assert_eq!(s.format, Format::RegistryPol);
    assert_eq!(
        settings(&s),
        vec![
            set(
                c,
                "Biometrics/FacialFeaturesUseEnhancedAntiSpoofing",
                "true"
            ),
            set(c, keys::REQUIRE_SECURITY_DEVICE, "true"),
            set(c, keys::EXCLUDE_TPM12, "false"),
            set(c, keys::MINIMUM_PIN_LENGTH, "6"),
        ]
    );
    assert!(s.ignored.is_empty(), "{:?}", s.ignored);
    assert_eq!(s.settings.len() + s.ignored.len() + s.unrelated, 105);
}

/// The same GPO's report gives exactly what its Registry.pol gives (dod-…-gpreport.xml.source.txt).
#[test]
fn dod_report_matches_its_registry_pol() {
    let report = read_sample("gpreport.xml", "gpo/dod-windows10-computer-gpreport.xml");
    let pol = read_sample(
        "Machine/registry.pol",
        "gpo/dod-windows10-computer-registry.pol",
    );
    assert_eq!(report.format, Format::GpReport);
    assert_eq!(report.title.as_deref(), Some("DoD - Windows 10 - Computer"));
    let mut a = settings(&report);
    let mut b = settings(&pol);
    a.sort();
    b.sort();
    assert_eq!(a, b);
    // 79 administrative-template policies in the report (grep -c "<q3:Policy>").
    assert_eq!(
        report.settings.len() + report.ignored.len() + report.unrelated,
        79 + 1
    );
    let p = policy_of(&[report]);
    assert_eq!(p.int_of(keys::MINIMUM_PIN_LENGTH), Some(6));
    assert_eq!(
        p.setting(keys::MINIMUM_PIN_LENGTH).map(|s| s.source),
        Some(Provenance::ComputerGroupPolicy)
    );
}

/// generated-machine.pol: make_pol.py's MACHINE list, 17 entries, one `**del.`.
#[test]
fn generated_machine_pol() {
    let s = read_sample("generated-machine.pol", "gpo/generated-machine.pol");
    let c = Scope::ComputerGroupPolicy;
    let got = settings(&s);
    for expected in [
        set(c, keys::USE_PASSPORT_FOR_WORK, "true"),
        set(c, "DisablePostLogonProvisioning", "false"),
        set(c, keys::REQUIRE_SECURITY_DEVICE, "true"),
        set(c, keys::EXCLUDE_TPM12, "true"),
        set(c, "UseCloudTrustForOnPremAuth", "true"),
        set(c, "EnablePinRecovery", "true"),
        set(c, keys::MINIMUM_PIN_LENGTH, "8"),
        set(c, keys::MAXIMUM_PIN_LENGTH, "32"),
        set(c, keys::UPPERCASE_LETTERS, "2"),
        set(c, keys::LOWERCASE_LETTERS, "1"),
        set(c, keys::DIGITS, "1"),
        (c, keys::SPECIAL_CHARACTERS.to_owned(), None),
        set(c, keys::HISTORY, "5"),
        set(c, keys::EXPIRATION, "90"),
        set(
            c,
            "Biometrics/FacialFeaturesUseEnhancedAntiSpoofing",
            "true",
        ),
        set(c, "DynamicLock/DynamicLock", "true"),
    ] {
        assert!(got.contains(&expected), "{expected:?} in {got:?}");
    }
    assert!(got.iter().any(|(_, k, v)| k == "DynamicLock/Plugins"
        && v.as_deref().is_some_and(|v| v.starts_with("<rule"))));
    assert_eq!(s.settings.len() + s.ignored.len() + s.unrelated, 17);
    let p = policy_of(&[s]);
    assert_eq!(p.int_of(keys::HISTORY), Some(5));
    // `**del.SpecialCharacters`: not configured by Group Policy, and the PIN complexity group
    // comes from Group Policy, so its default applies.
    assert_eq!(
        p.setting(keys::SPECIAL_CHARACTERS).map(|s| s.source),
        Some(Provenance::Default)
    );
}

/// generated-user.pol: Enabled=0, UseCertificateForOnPremAuth=1, `**delvals.`, Enabled=1 — the
/// last write wins and `**delvals.` removed the certificate value. Its path has a `User` folder.
#[test]
fn generated_user_pol() {
    let s = read_sample("GPO/User/Registry.pol", "gpo/generated-user.pol");
    assert!(s.settings.iter().all(|x| x.scope == Scope::UserGroupPolicy));
    let p = policy_of(&[s]);
    let use_pfw = p
        .setting(keys::USE_PASSPORT_FOR_WORK)
        .expect("in the catalog");
    assert_eq!(
        (&use_pfw.value, use_pfw.source),
        (&PolicyValue::Bool(true), Provenance::UserGroupPolicy)
    );
    assert_eq!(
        p.setting("UseCertificateForOnPremAuth").map(|s| s.source),
        Some(Provenance::Default)
    );
}

/// oib-settings-catalog-account-protection-whfb.json.source.txt: the Account protection
/// template with RequireSecurityDevice, UsePassportForWork, MinimumPINLength 6,
/// UseCertificateForOnPremAuth false, EnablePinRecovery and enhanced anti-spoofing.
#[test]
fn settings_catalog_account_protection() {
    let s = read_sample(
        "ap.json",
        "intune/oib-settings-catalog-account-protection-whfb.json",
    );
    let d = Scope::DeviceMdm;
    assert_eq!(s.format, Format::SettingsCatalog);
    assert_eq!(
        settings(&s),
        vec![
            set(d, keys::REQUIRE_SECURITY_DEVICE, "true"),
            set(d, keys::USE_PASSPORT_FOR_WORK, "true"),
            set(d, keys::MINIMUM_PIN_LENGTH, "6"),
            set(d, "UseCertificateForOnPremAuth", "false"),
            set(d, "EnablePinRecovery", "true"),
            set(
                d,
                "Biometrics/FacialFeaturesUseEnhancedAntiSpoofing",
                "true"
            ),
        ]
    );
    assert!(s.settings[0].path.starts_with(TENANT_PLACEHOLDER));
    assert!(s.ignored.is_empty(), "{:?}", s.ignored);
    let p = policy_of(&[s]);
    assert_eq!(p.tenant.as_deref(), Some(T));
    assert_eq!(p.int_of(keys::MINIMUM_PIN_LENGTH), Some(6));
    assert_eq!(p.bool_of("EnablePinRecovery"), Some(true));
}

/// oib-intent-identity-protection-whfb-user.json: 15 settings, one of them Credential Guard
/// (not Windows Hello), `null` and `notConfigured` ones not configured.
#[test]
fn intent_identity_protection() {
    let s = read_sample(
        "intent.json",
        "intune/oib-intent-identity-protection-whfb-user.json",
    );
    let d = Scope::DeviceMdm;
    assert_eq!(s.format, Format::Intent);
    let got = settings(&s);
    assert_eq!(
        got,
        vec![
            set(d, keys::MINIMUM_PIN_LENGTH, "6"),
            set(d, keys::USE_BIOMETRICS, "true"),
            set(d, keys::EXPIRATION, "0"),
            set(d, keys::REQUIRE_SECURITY_DEVICE, "true"),
            set(d, keys::USE_PASSPORT_FOR_WORK, "true"),
            set(d, keys::HISTORY, "0"),
            set(d, "SecurityKey/UseSecurityKeyForSignin", "0"),
            set(
                d,
                "Biometrics/FacialFeaturesUseEnhancedAntiSpoofing",
                "true"
            ),
            set(d, "UseCertificateForOnPremAuth", "false"),
            set(d, "EnablePinRecovery", "true"),
        ]
    );
    // 15 = 10 applied + pinMaximumLength null + three notConfigured usages + Credential Guard.
    assert_eq!(s.unrelated, 1);
    assert!(s.ignored.is_empty(), "{:?}", s.ignored);
    assert_eq!(
        s.settings[0].name,
        "deviceConfiguration--windowsIdentityProtectionConfiguration_pinMinimumLength"
    );
}

/// oib-custom-oma-cloud-trust-utf16.json: UTF-16LE with a byte-order mark, one OMA setting
/// with the literal `{TenantID}` placeholder.
#[test]
fn custom_oma_utf16() {
    let s = read_sample("oma.json", "intune/oib-custom-oma-cloud-trust-utf16.json");
    assert_eq!(s.format, Format::CustomOma);
    assert_eq!(s.settings.len(), 1);
    assert_eq!(
        s.settings[0].path,
        "{TenantID}/Policies/UseCloudTrustForOnPremAuth"
    );
    assert_eq!(s.settings[0].value.as_deref(), Some("true"));
    assert!(s.settings[0].name.starts_with("WHfB Hybrid Cloud Trust"));
    assert_eq!(s.settings.len() + s.ignored.len() + s.unrelated, 1);
    let _ = IgnoredClass::Unknown;
}

/// A SyncML message joins a combination: its Adds and Replaces are device or user MDM writes;
/// MDMWinsOverGP is kept as a setting with no effect (policy-facts.md §2).
#[test]
fn syncml_message_as_a_source() {
    let msg = format!(
        r#"<SyncML xmlns="SYNCML:SYNCML1.2"><SyncBody>
<Atomic><CmdID>1</CmdID><Add><CmdID>2</CmdID><Item><Target><LocURI>./Device/Vendor/MSFT/PassportForWork/{T}/Policies/PINComplexity/MinimumPINLength</LocURI></Target><Meta><Format xmlns="syncml:metinf">int</Format></Meta><Data>9</Data></Item></Add></Atomic>
<Replace><CmdID>3</CmdID><Item><Target><LocURI>./Device/Vendor/MSFT/Policy/Config/ControlPolicyConflict/MDMWinsOverGP</LocURI></Target><Data>1</Data></Item></Replace>
<Final/></SyncBody></SyncML>"#
    );
    let s = must_read("p.xml", msg.as_bytes());
    assert_eq!(s.format, Format::SyncMl);
    assert_eq!(
        settings(&s),
        vec![set(Scope::DeviceMdm, keys::MINIMUM_PIN_LENGTH, "9")]
    );
    assert_eq!(s.settings[0].at, pfw_sources::At::Line(2, 68));
    assert_eq!(s.ignored.len(), 1);
    assert_eq!(s.ignored[0].class, IgnoredClass::NoEffect);
}
