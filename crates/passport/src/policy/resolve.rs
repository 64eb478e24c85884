//! Resolution of the policy in force from a list of policy sources.
//!
//! Pure: the input is the raw stored text of each source's PassportForWork subtree, the output
//! an [`EffectivePolicy`] saying, for every policy of the catalog, its value, where it came from
//! and why. The steps follow DESIGN.md "Policy semantics":
//!
//! 1. choose the tenant whose policy applies; policy under any other tenant is ignored;
//! 2. parse every stored value for its policy (an invalid value is ignored and reported);
//! 3. for each conflict group, decide which sources may supply it (between Group Policy and
//!    MDM a whole group comes from one kind of source; with MDM sources only, every source);
//! 4. per policy, the first source in precedence order that sets it wins (user beats device);
//!    unset policies take their effective defaults;
//! 5. on the merged result, apply the rules that look at several values: the PIN length
//!    fallback, the character-set default behaviour, and the deprecated `UseBiometrics` node.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::ser::{SerializeMap, SerializeStruct};
use serde::{Serialize, Serializer};

use crate::error::ResolveError;
use crate::policy::catalog::{
    AdminGroup, CATALOG, ConflictGroup, DEVICE_WIDE_ROOTS, Placement, PolicyDef, keys,
};
use crate::policy::value::PolicyValue;

/// One source of policy: the PassportForWork subtree of one management tree instance.
#[derive(Clone, Debug, Default, Eq, PartialEq)]
pub struct PolicySource {
    /// What kind of source it is.
    pub kind: SourceKind,
    /// The raw stored text of every leaf set in the subtree, keyed by the path below
    /// `PassportForWork/`, tenant segment included
    /// (`6f9c…/Policies/PINComplexity/MinimumPINLength`, `Biometrics/UseBiometrics`).
    pub values: BTreeMap<String, String>,
    /// The TenantId node names present in the subtree, leaves or not.
    pub tenants: BTreeSet<String>,
}

impl PolicySource {
    /// An empty source of this kind.
    pub fn new(kind: SourceKind) -> Self {
        Self {
            kind,
            values: BTreeMap::new(),
            tenants: BTreeSet::new(),
        }
    }

    /// This source with one more stored value (the path below `PassportForWork/`).
    pub fn with_value(mut self, path: impl Into<String>, raw: impl Into<String>) -> Self {
        self.values.insert(path.into(), raw.into());
        self
    }

    /// This source with one more TenantId node.
    pub fn with_tenant(mut self, name: impl Into<String>) -> Self {
        self.tenants.insert(name.into());
        self
    }
}

/// The tenant segment of a Group Policy source's tenant policies
/// (`*/Policies/PINComplexity/MinimumPINLength`): Group Policy values are device-wide, they
/// name no tenant and apply whatever the tenant in force (policy-sources-facts.md §1.3).
pub const GROUP_POLICY_TENANT: &str = "*";

/// The kinds of policy source, two families: Group Policy (computer, user) and MDM (the
/// PassportForWork CSP's device and user trees). Resolution decides, per conflict group, which
/// family supplies the group before it picks a source per policy (policy-facts.md §1–2).
#[non_exhaustive]
#[derive(Clone, Copy, Debug, Default, Eq, Hash, PartialEq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SourceKind {
    /// Group Policy, Computer Configuration (HKLM).
    ComputerGroupPolicy,
    /// The `./Device` tree (device MDM).
    #[default]
    Device,
    /// A `./User` tree (user MDM).
    User,
    /// Group Policy, User Configuration (HKCU).
    UserGroupPolicy,
}

impl SourceKind {
    /// The URI of the PassportForWork root in this source's tree; none for Group Policy,
    /// which is no management tree.
    pub fn root_uri(self) -> Option<&'static str> {
        match self {
            Self::Device => Some("./Device/Vendor/MSFT/PassportForWork"),
            Self::User => Some("./User/Vendor/MSFT/PassportForWork"),
            Self::ComputerGroupPolicy | Self::UserGroupPolicy => None,
        }
    }

    /// The provenance a value from this source carries.
    pub fn provenance(self) -> Provenance {
        match self {
            Self::ComputerGroupPolicy => Provenance::ComputerGroupPolicy,
            Self::Device => Provenance::Device,
            Self::User => Provenance::User,
            Self::UserGroupPolicy => Provenance::UserGroupPolicy,
        }
    }

    /// Whether this source is a `./User` tree, which holds only the user-scope policies
    /// (policy-facts.md §1).
    pub fn is_user_scope(self) -> bool {
        match self {
            Self::ComputerGroupPolicy | Self::Device | Self::UserGroupPolicy => false,
            Self::User => true,
        }
    }

    /// Whether this source is Group Policy.
    pub fn is_group_policy(self) -> bool {
        match self {
            Self::ComputerGroupPolicy | Self::UserGroupPolicy => true,
            Self::Device | Self::User => false,
        }
    }

    /// The family of the source: between families, whole conflict groups are won.
    fn family(self) -> SourceFamily {
        match self {
            Self::ComputerGroupPolicy | Self::UserGroupPolicy => SourceFamily::GroupPolicy,
            Self::Device | Self::User => SourceFamily::Mdm,
        }
    }
}

impl fmt::Display for SourceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::ComputerGroupPolicy => "computer Group Policy",
            Self::Device => "device",
            Self::User => "user",
            Self::UserGroupPolicy => "user Group Policy",
        })
    }
}

/// The inputs that choose the tenant.
#[derive(Clone, Debug, Default, Eq, PartialEq)]
pub struct TenantChoice {
    /// A tenant named explicitly (the CLI's `--tenant`); it wins over everything.
    pub override_tenant: Option<String>,
    /// The device's tenant property, if set.
    pub device_tenant: Option<String>,
}

/// How the tenant was chosen.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, Eq, Hash, PartialEq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TenantReason {
    /// The device's tenant property.
    DeviceProperty,
    /// No tenant node exists and none was named: tenant policies take their defaults.
    NoTenant,
    /// Exactly one tenant node exists across the sources.
    OnlyTenantPresent,
    /// Named explicitly (`--tenant`).
    Override,
}

impl fmt::Display for TenantReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::DeviceProperty => "the device's tenant",
            Self::NoTenant => "no tenant present: tenant policies take their defaults",
            Self::OnlyTenantPresent => "the only tenant present",
            Self::Override => "chosen with --tenant",
        })
    }
}

/// Where a setting's value came from.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, Eq, Hash, PartialEq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Provenance {
    /// Group Policy, Computer Configuration.
    ComputerGroupPolicy,
    /// Not configured: the policy's effective default.
    Default,
    /// The device tree.
    Device,
    /// A rule over several values replaced the configured values (see the reason).
    Fallback,
    /// The user's tree.
    User,
    /// Group Policy, User Configuration.
    UserGroupPolicy,
}

impl fmt::Display for Provenance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::ComputerGroupPolicy => "computer GP",
            Self::Default => "default",
            Self::Device => "device",
            Self::Fallback => "fallback",
            Self::User => "user",
            Self::UserGroupPolicy => "user GP",
        })
    }
}

/// One policy in force.
#[derive(Clone, Debug, Eq, PartialEq, Serialize)]
pub struct Setting {
    /// The policy's catalog key.
    #[serde(skip)]
    pub key: &'static str,
    /// The group an administrator sees it in.
    #[serde(skip)]
    pub group: AdminGroup,
    /// The value in force.
    pub value: PolicyValue,
    /// Where the value came from.
    pub source: Provenance,
    /// Why the value is what it is, when that is not plain (a default that differs from the
    /// DDF's, a fallback, an overridden value, a deprecated node).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The DDF's `DefaultValue`, given when the value is a default that differs from it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ddf_default: Option<String>,
    /// The other sources that set the policy and lost, highest first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub losers: Vec<Loser>,
    /// The rule that decided between the sources, when more than one set the policy.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<Rule>,
    /// The URI of the node the value was read from (`./Device/Vendor/MSFT/PassportForWork/…`
    /// or `./User/…`, segments percent-encoded as a server sends them), when a source sets it;
    /// `None` for a default or a fallback.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uri: Option<String>,
}

/// A value a source sets for a policy that is not the one in force.
#[derive(Clone, Debug, Eq, PartialEq, Serialize)]
pub struct Loser {
    /// The source.
    pub source: Provenance,
    /// Its value.
    pub value: PolicyValue,
    /// Whether the rule blocks the whole source for this policy's group (stored but not
    /// applied until the Group Policy settings are cleared), rather than a higher source of
    /// the same family shadowing it.
    pub blocked: bool,
}

/// The rule that decided between several sources setting a policy.
#[derive(Clone, Copy, Debug, Eq, Hash, PartialEq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Rule {
    /// Feature enablement: `UsePassportForWork` and `UseCertificateForOnPremAuth` come from the
    /// one family that sets `UsePassportForWork` (Manage-2022).
    FeatureEnablementGroup,
    /// Every other policy is resolved on its own, Group Policy before MDM (Manage-2022).
    PerPolicy,
    /// PIN complexity with `RequireSecurityDevice` comes from one family (Manage-2022).
    PinComplexityGroup,
    /// Within a family, user beats computer/device, policy by policy (Configure-2024).
    UserBeatsDevice,
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::FeatureEnablementGroup => {
                "feature enablement group: UsePassportForWork and UseCertificateForOnPremAuth come from the source that sets UsePassportForWork, Group Policy before MDM (hello-manage-in-organization, \"Policy conflicts from multiple policy sources\"); MDMWinsOverGP does not apply"
            }
            Self::PerPolicy => {
                "per policy: user GP > computer GP > user MDM > device MDM (hello-for-business/configure); MDMWinsOverGP does not apply"
            }
            Self::PinComplexityGroup => {
                "PIN complexity group: the PIN complexity policies and RequireSecurityDevice come from one source, Group Policy before MDM (hello-manage-in-organization); MDMWinsOverGP does not apply"
            }
            Self::UserBeatsDevice => {
                "user policy beats computer/device policy, policy by policy (hello-for-business/configure)"
            }
        })
    }
}

/// A stored value that is not applied.
#[derive(Clone, Debug, Eq, PartialEq, Serialize)]
pub struct Ignored {
    /// Its path below `PassportForWork/`.
    pub path: String,
    /// The source that holds it.
    pub source: SourceKind,
    /// Why it is not applied.
    pub reason: String,
}

/// The policy in force, with where each value came from.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct EffectivePolicy {
    /// The tenant whose policy applies, if any.
    pub tenant: Option<String>,
    /// How the tenant was chosen.
    pub tenant_reason: TenantReason,
    /// The user whose tree was a source, if any.
    pub user: Option<String>,
    /// Every policy of the catalog, in catalog order.
    pub settings: Vec<Setting>,
    /// The stored values not applied, and why.
    pub ignored: Vec<Ignored>,
}

impl EffectivePolicy {
    /// The setting of this policy.
    pub fn setting(&self, key: &str) -> Option<&Setting> {
        self.settings.iter().find(|s| s.key == key)
    }

    /// The value in force of this policy.
    pub fn value_of(&self, key: &str) -> Option<&PolicyValue> {
        self.setting(key).map(|s| &s.value)
    }

    /// The value of a boolean policy.
    pub fn bool_of(&self, key: &str) -> Option<bool> {
        self.value_of(key).and_then(PolicyValue::as_bool)
    }

    /// The value of an integer policy.
    pub fn int_of(&self, key: &str) -> Option<i32> {
        self.value_of(key).and_then(PolicyValue::as_int)
    }

    /// The value of a text policy, if set.
    pub fn text_of(&self, key: &str) -> Option<&str> {
        self.value_of(key).and_then(PolicyValue::as_text)
    }
}

/// JSON: `{"tenant", "tenant_reason", "user", "policies": {key: setting, …}, "ignored"}`,
/// policies in catalog order.
impl Serialize for EffectivePolicy {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut out = serializer.serialize_struct("EffectivePolicy", 5)?;
        out.serialize_field("tenant", &self.tenant)?;
        out.serialize_field("tenant_reason", &self.tenant_reason)?;
        out.serialize_field("user", &self.user)?;
        out.serialize_field("policies", &Policies(&self.settings))?;
        out.serialize_field("ignored", &self.ignored)?;
        out.end()
    }
}

/// Resolves the policy in force.
///
/// `sources` are in precedence order, highest first (today: the user's tree, then the
/// device's). `user` is the account whose tree is among the sources, reported as is.
pub fn resolve(
    sources: &[PolicySource],
    choice: &TenantChoice,
    user: Option<&str>,
) -> Result<EffectivePolicy, ResolveError> {
    let (tenant, tenant_reason) = choose_tenant(sources, choice)?;

    // found[policy][source]: the valid value each source sets for each policy.
    let mut found: Vec<Vec<Option<PolicyValue>>> = vec![vec![None; sources.len()]; CATALOG.len()];
    let mut ignored = Vec::new();
    for (s, source) in sources.iter().enumerate() {
        for (path, raw) in &source.values {
            let chosen = ChosenTenant {
                name: tenant.as_deref(),
                reason: tenant_reason,
            };
            match classify(source.kind, path, raw, chosen) {
                Ok((index, value)) => {
                    if let Some(slot) = found.get_mut(index).and_then(|row| row.get_mut(s)) {
                        *slot = Some(value);
                    }
                }
                Err(reason) => ignored.push(Ignored {
                    path: path.clone(),
                    source: source.kind,
                    reason,
                }),
            }
        }
    }

    let mut settings: Vec<Setting> = CATALOG
        .iter()
        .zip(&found)
        .map(|(def, values)| {
            let eligible = eligible_sources(def.conflict_group, def.key, sources, &found);
            pick(def, values, &eligible, sources, tenant.as_deref())
        })
        .collect();
    apply_length_rule(&mut settings);
    apply_char_set_rule(&mut settings);
    apply_biometrics_rule(&mut settings);

    Ok(EffectivePolicy {
        tenant,
        tenant_reason,
        user: user.map(str::to_owned),
        settings,
        ignored,
    })
}

/// The family of a source kind; between families a whole conflict group is won by one family,
/// the one earliest in this order that configures the group. Group Policy will come first.
#[derive(Clone, Copy, Debug, Eq, Ord, PartialEq, PartialOrd)]
enum SourceFamily {
    /// Group Policy, user or computer.
    GroupPolicy,
    /// The PassportForWork CSP, user or device.
    Mdm,
}

#[derive(Clone, Copy)]
struct ChosenTenant<'a> {
    name: Option<&'a str>,
    reason: TenantReason,
}

fn choose_tenant(
    sources: &[PolicySource],
    choice: &TenantChoice,
) -> Result<(Option<String>, TenantReason), ResolveError> {
    if let Some(name) = &choice.override_tenant {
        return Ok((Some(name.clone()), TenantReason::Override));
    }
    if let Some(name) = &choice.device_tenant {
        return Ok((Some(name.clone()), TenantReason::DeviceProperty));
    }
    let mut present: BTreeSet<&str> = BTreeSet::new();
    for source in sources.iter().filter(|s| !s.kind.is_group_policy()) {
        present.extend(source.tenants.iter().map(String::as_str));
        present.extend(
            source
                .values
                .keys()
                .filter_map(|path| match split_path(path) {
                    Some(PathParts {
                        tenant: Some(t), ..
                    }) => Some(t),
                    _ => None,
                }),
        );
    }
    let mut names = present.into_iter();
    match (names.next(), names.next()) {
        (None, _) => Ok((None, TenantReason::NoTenant)),
        (Some(only), None) => Ok((Some(only.to_owned()), TenantReason::OnlyTenantPresent)),
        (Some(first), Some(second)) => {
            let mut tenants = vec![first.to_owned(), second.to_owned()];
            tenants.extend(names.map(str::to_owned));
            Err(ResolveError::SeveralTenants { tenants })
        }
    }
}

struct PathParts<'a> {
    tenant: Option<&'a str>,
    /// `None` when a tenant path does not go through `Policies/`.
    key: Option<&'a str>,
    placement: Placement,
}

/// Splits a path below `PassportForWork/` into its tenant (if any) and its catalog key.
fn split_path(path: &str) -> Option<PathParts<'_>> {
    let (first, rest) = match path.split_once('/') {
        Some((first, rest)) => (first, Some(rest)),
        None => (path, None),
    };
    if first.is_empty() {
        return None;
    }
    if DEVICE_WIDE_ROOTS.contains(&first) {
        return Some(PathParts {
            tenant: None,
            key: Some(path),
            placement: Placement::DeviceWide,
        });
    }
    Some(PathParts {
        tenant: Some(first),
        key: rest.and_then(|r| r.strip_prefix("Policies/")),
        placement: Placement::Tenant,
    })
}

/// Finds the policy a stored value belongs to and parses it, or says why it is not applied.
fn classify(
    kind: SourceKind,
    path: &str,
    raw: &str,
    chosen: ChosenTenant<'_>,
) -> Result<(usize, PolicyValue), String> {
    let parts = split_path(path).ok_or_else(|| "not a path below PassportForWork".to_owned())?;
    let key = parts
        .key
        .ok_or_else(|| "not a policy leaf of PassportForWork".to_owned())?;
    let (index, def) = CATALOG
        .iter()
        .enumerate()
        .find(|(_, def)| def.placement == parts.placement && def.key == key)
        .ok_or_else(|| format!("{key} is not a PassportForWork policy pfw knows"))?;
    if kind.is_user_scope() && !def.in_user_scope() {
        return Err(format!(
            "{key} is a device-only policy: a user tree has no such node"
        ));
    }
    if kind == SourceKind::UserGroupPolicy && !USER_GROUP_POLICIES.contains(&def.key) {
        return Err(format!(
            "{key} is set in user Group Policy, but that policy exists only under Computer \
             Configuration: Windows ignores it (policy-facts.md §1; policy-sources-facts.md §1.1)"
        ));
    }
    if let Some(tenant) = parts.tenant
        && !kind.is_group_policy()
        && chosen.name != Some(tenant)
    {
        return Err(foreign_tenant_reason(tenant, chosen));
    }
    def.parse(raw).map(|value| (index, value)).map_err(|e| {
        format!(
            "stored value {} is {e}: not applied, as if not configured in the {kind} tree",
            Excerpt(raw)
        )
    })
}

fn foreign_tenant_reason(tenant: &str, chosen: ChosenTenant<'_>) -> String {
    let name = chosen.name.unwrap_or_default();
    match chosen.reason {
        TenantReason::Override => {
            format!("tenant {tenant} is not the tenant chosen with --tenant ({name})")
        }
        TenantReason::DeviceProperty => {
            format!("tenant {tenant} is not the device's tenant {name}")
        }
        // Unreachable in practice: with one tenant present, or none, every tenant path is the
        // chosen one's. Said plainly all the same.
        TenantReason::OnlyTenantPresent | TenantReason::NoTenant => {
            format!("tenant {tenant} is not the tenant in force")
        }
    }
}

/// For a policy, which sources may supply it: those of the family that wins its conflict group.
///
/// A group is won by the earliest family (in [`SourceFamily`] order) that configures it; for
/// [`ConflictGroup::FeatureEnablement`] only `UsePassportForWork` decides (Manage-2022). A
/// policy in no shared group is its own group. When no family configures the group, every
/// source is eligible (and none sets it).
fn eligible_sources(
    group: ConflictGroup,
    key: &str,
    sources: &[PolicySource],
    found: &[Vec<Option<PolicyValue>>],
) -> Vec<bool> {
    let deciding = |def: &PolicyDef| match group {
        ConflictGroup::Own => def.key == key,
        ConflictGroup::FeatureEnablement => def.key == keys::USE_PASSPORT_FOR_WORK,
        ConflictGroup::PinComplexity => def.conflict_group == group,
    };
    let winner = sources
        .iter()
        .enumerate()
        .filter(|(s, _)| {
            CATALOG
                .iter()
                .zip(found)
                .any(|(def, values)| deciding(def) && values.get(*s).is_some_and(Option::is_some))
        })
        .map(|(_, source)| source.kind.family())
        .min();
    sources
        .iter()
        .map(|source| winner.is_none_or(|family| source.kind.family() == family))
        .collect()
}

/// The setting of one policy before the rules over several values: the first eligible source
/// that sets it, or its default; every other source that sets it is a loser.
fn pick(
    def: &PolicyDef,
    values: &[Option<PolicyValue>],
    eligible: &[bool],
    sources: &[PolicySource],
    tenant: Option<&str>,
) -> Setting {
    let setters: Vec<(SourceKind, &PolicyValue, bool)> = sources
        .iter()
        .zip(values)
        .zip(eligible)
        .filter_map(|((source, value), eligible)| {
            value.as_ref().map(|v| (source.kind, v, *eligible))
        })
        .collect();
    let winner = setters.iter().find(|(_, _, eligible)| *eligible);
    let losers: Vec<Loser> = setters
        .iter()
        .filter(|s| !winner.is_some_and(|w| std::ptr::eq(*s, w)))
        .map(|(kind, value, eligible)| Loser {
            source: kind.provenance(),
            value: (*value).clone(),
            blocked: !eligible,
        })
        .collect();
    let blocked: Vec<&Loser> = losers.iter().filter(|l| l.blocked).collect();
    let rule = if !blocked.is_empty() {
        Some(match def.conflict_group {
            ConflictGroup::FeatureEnablement => Rule::FeatureEnablementGroup,
            ConflictGroup::PinComplexity => Rule::PinComplexityGroup,
            ConflictGroup::Own => Rule::PerPolicy,
        })
    } else if !losers.is_empty() {
        Some(Rule::UserBeatsDevice)
    } else {
        None
    };
    let blocked_reason = (!blocked.is_empty()).then(|| {
        let list: Vec<String> = blocked
            .iter()
            .map(|l| format!("the {} value {}", l.source, l.value))
            .collect();
        format!(
            "{} stored but not applied until the Group Policy settings are cleared",
            list.join(" and ")
        )
    });
    let mut setting = match winner {
        Some((kind, value, _)) => Setting {
            key: def.key,
            group: def.group,
            value: (*value).clone(),
            source: kind.provenance(),
            reason: losers.iter().find(|l| !l.blocked).map(|lower| {
                format!(
                    "the {kind} value wins; the {} value {} is not used",
                    source_word(lower.source),
                    lower.value
                )
            }),
            ddf_default: None,
            losers: Vec::new(),
            rule: None,
            uri: node_uri(*kind, def, tenant),
        },
        None => default_setting(def),
    };
    if let Some(blocked_reason) = blocked_reason {
        setting.reason = Some(match setting.reason.take() {
            Some(r) => format!("{r}; {blocked_reason}"),
            None => blocked_reason,
        });
    }
    setting.losers = losers;
    setting.rule = rule;
    setting
}

/// How a loser's source is named in the reason text: as the source kinds are.
fn source_word(p: Provenance) -> &'static str {
    match p {
        Provenance::ComputerGroupPolicy => "computer Group Policy",
        Provenance::UserGroupPolicy => "user Group Policy",
        Provenance::User => "user",
        Provenance::Device | Provenance::Default | Provenance::Fallback => "device",
    }
}

fn default_setting(def: &PolicyDef) -> Setting {
    Setting {
        key: def.key,
        group: def.group,
        value: def.default_value(),
        source: Provenance::Default,
        reason: def.default_reason.map(str::to_owned),
        ddf_default: def.default_reason.and(def.ddf_default).map(str::to_owned),
        losers: Vec::new(),
        rule: None,
        uri: None,
    }
}

/// The URI of `def`'s node in a source of `kind`: below the tenant's `Policies/` for a tenant
/// policy (a value from a tenant is always the chosen tenant's), else below the root; none for
/// Group Policy.
fn node_uri(kind: SourceKind, def: &PolicyDef, tenant: Option<&str>) -> Option<String> {
    let root = kind.root_uri()?;
    match def.placement {
        Placement::DeviceWide => Some(format!("{root}/{}", def.key)),
        Placement::Tenant => {
            tenant.map(|t| format!("{root}/{}/Policies/{}", pfw_ddf::encode_segment(t), def.key))
        }
    }
}

/// Minimum above maximum: both fall back to 4 and 127 (the DDF's note on both policies).
/// Equal values are allowed.
fn apply_length_rule(settings: &mut [Setting]) {
    let (Some(min), Some(max)) = (
        setting(settings, keys::MINIMUM_PIN_LENGTH).cloned(),
        setting(settings, keys::MAXIMUM_PIN_LENGTH).cloned(),
    ) else {
        return;
    };
    let (Some(min_value), Some(max_value)) = (min.value.as_int(), max.value.as_int()) else {
        return;
    };
    if min_value <= max_value {
        return;
    }
    let reason = format!(
        "MinimumPINLength {min_value} ({}) is greater than MaximumPINLength {max_value} ({}): \
         both fall back to {DEFAULT_MIN_LENGTH} and {DEFAULT_MAX_LENGTH}, as the DDF's note on \
         both policies says",
        min.source, max.source
    );
    for (key, value) in [
        (keys::MINIMUM_PIN_LENGTH, DEFAULT_MIN_LENGTH),
        (keys::MAXIMUM_PIN_LENGTH, DEFAULT_MAX_LENGTH),
    ] {
        if let Some(s) = setting_mut(settings, key) {
            s.value = PolicyValue::Int(value);
            s.source = Provenance::Fallback;
            s.reason = Some(reason.clone());
            s.ddf_default = None;
            s.uri = None;
        }
    }
}

/// Why the four character sets fall back to the default behaviour (2019 CSP page), if they do.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub enum CharSetFallback {
    /// All four are allowed and none required.
    AllAllowed,
    /// None is allowed: no PIN could meet the policy.
    NoneAllowed,
}

impl CharSetFallback {
    /// The fallback the values of the four sets ([`keys::CHAR_SETS`], in order) call for.
    pub fn of(values: &[Option<i32>]) -> Option<Self> {
        if values.iter().all(|v| *v == Some(CHAR_ALLOWED)) {
            Some(Self::AllAllowed)
        } else if values.iter().all(|v| *v == Some(CHAR_NOT_ALLOWED)) {
            Some(Self::NoneAllowed)
        } else {
            None
        }
    }
}

/// The character-set default behaviour (2019 CSP page): when all four sets are allowed and
/// none required, digits are required and the others not allowed. pfw treats a policy that
/// allows no set at all (no PIN could meet it) the same way.
fn apply_char_set_rule(settings: &mut [Setting]) {
    let values: Vec<Option<i32>> = keys::CHAR_SETS
        .iter()
        .map(|key| setting(settings, key).and_then(|s| s.value.as_int()))
        .collect();
    let reason = match CharSetFallback::of(&values) {
        Some(CharSetFallback::AllAllowed) => {
            "all four character sets are allowed and none is required: the 2019 CSP page \
             applies the default behaviour, digits required and the other sets not allowed"
        }
        Some(CharSetFallback::NoneAllowed) => {
            "no character set is allowed, so no PIN could meet the policy: pfw applies the \
             default behaviour of the 2019 CSP page, digits required and the other sets not \
             allowed"
        }
        None => return,
    };
    for def in CATALOG.iter().filter(|d| keys::CHAR_SETS.contains(&d.key)) {
        let fallback = def.default_value();
        if let Some(s) = setting_mut(settings, def.key)
            && s.value != fallback
        {
            s.value = fallback;
            s.source = Provenance::Fallback;
            s.reason = Some(reason.to_owned());
            s.ddf_default = None;
            s.uri = None;
        }
    }
}

/// `Biometrics/UseBiometrics` wins over the deprecated root `UseBiometrics`; when only the
/// deprecated node is set, it applies.
fn apply_biometrics_rule(settings: &mut [Setting]) {
    let Some(old) = setting(settings, keys::USE_BIOMETRICS_DEPRECATED).cloned() else {
        return;
    };
    if old.source == Provenance::Default {
        return;
    }
    let new_is_set =
        setting(settings, keys::USE_BIOMETRICS).is_some_and(|s| s.source != Provenance::Default);
    if new_is_set {
        if let Some(s) = setting_mut(settings, keys::USE_BIOMETRICS_DEPRECATED) {
            s.reason =
                Some("deprecated node: Biometrics/UseBiometrics is also set and wins".to_owned());
        }
        return;
    }
    if let Some(s) = setting_mut(settings, keys::USE_BIOMETRICS) {
        s.value = old.value;
        s.source = old.source;
        s.uri = old.uri;
        s.reason = Some(
            "taken from the deprecated root node UseBiometrics; Biometrics/UseBiometrics is not set"
                .to_owned(),
        );
        s.ddf_default = None;
    }
    if let Some(s) = setting_mut(settings, keys::USE_BIOMETRICS_DEPRECATED) {
        s.reason = Some(
            "deprecated node: applied as Biometrics/UseBiometrics, which is not set".to_owned(),
        );
    }
}

fn setting<'a>(settings: &'a [Setting], key: &str) -> Option<&'a Setting> {
    settings.iter().find(|s| s.key == key)
}

fn setting_mut<'a>(settings: &'a mut [Setting], key: &str) -> Option<&'a mut Setting> {
    settings.iter_mut().find(|s| s.key == key)
}

/// The settings as a JSON object keyed by policy key, in catalog order.
struct Policies<'a>(&'a [Setting]);

impl Serialize for Policies<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for setting in self.0 {
            map.serialize_entry(setting.key, setting)?;
        }
        map.end()
    }
}

/// An untrusted stored value, quoted and cut short for a message.
struct Excerpt<'a>(&'a str);

impl fmt::Display for Excerpt<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut chars = self.0.chars();
        let head: String = chars.by_ref().take(EXCERPT_CHARS).collect();
        if chars.next().is_some() {
            write!(f, "{head:?}…")
        } else {
            write!(f, "{head:?}")
        }
    }
}

/// The two policies Group Policy offers under User Configuration too (`class="Both"` in the
/// ADMX, policy-sources-facts.md §1.1); every other one exists only for the computer.
const USER_GROUP_POLICIES: [&str; 2] = [keys::USE_PASSPORT_FOR_WORK, "UseCertificateForOnPremAuth"];
const CHAR_ALLOWED: i32 = 0;
const CHAR_NOT_ALLOWED: i32 = 2;
const DEFAULT_MIN_LENGTH: i32 = 4;
const DEFAULT_MAX_LENGTH: i32 = 127;
const EXCERPT_CHARS: usize = 40;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_paths() {
        type Parts<'a> = (Option<&'a str>, Option<&'a str>, Placement);
        let cases: &[(&str, Option<Parts<'_>>)] = &[
            (
                "T/Policies/PINComplexity/Digits",
                Some((Some("T"), Some("PINComplexity/Digits"), Placement::Tenant)),
            ),
            ("T/Other/X", Some((Some("T"), None, Placement::Tenant))),
            ("T", Some((Some("T"), None, Placement::Tenant))),
            (
                "Biometrics/UseBiometrics",
                Some((
                    None,
                    Some("Biometrics/UseBiometrics"),
                    Placement::DeviceWide,
                )),
            ),
            ("/x", None),
            ("", None),
        ];
        for (path, expected) in cases {
            let got = split_path(path).map(|p| (p.tenant, p.key, p.placement));
            assert_eq!(&got, expected, "{path}");
        }
    }

    #[test]
    fn excerpts_are_bounded() {
        let long = "a".repeat(1000);
        assert!(Excerpt(&long).to_string().chars().count() < EXCERPT_CHARS + 4);
        assert_eq!(Excerpt("x\ny").to_string(), "\"x\\ny\"");
    }
}
