//! The three read-only CSPs: DevInfo, DevDetail and a part of DMClient, each with pfw's own DDF
//! (embedded, loaded once per process). Their leaves are computed: from the emulated device's
//! build and edition (which the tree hands over), from the [`DeviceFacts`] the CSP was made
//! with, and from the clock.

use std::sync::{Arc, OnceLock};

use pfw_ddf::{Node, NodePath, Schema};
use pfw_tree::{Csp, Device};

use crate::error::DevInfoError;
use crate::facts::{
    self, DM_VERSION, DeviceFacts, FIRMWARE_VERSION, LANGUAGE, MANUFACTURER,
    MAX_SYNC_APPLICATION_VERSION, MODEL, PROCESSOR_ARCHITECTURE, PROCESSOR_TYPE, RESOLUTION,
    SYSTEM_SKU, TOTAL_RAM_MB,
};

/// Which of the three CSPs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `./DevDetail`.
    DevDetail,
    /// `./DevInfo`.
    DevInfo,
    /// `./Vendor/MSFT/DMClient` (read-only part).
    DmClient,
}

impl Kind {
    /// The CSP's name.
    pub fn name(self) -> &'static str {
        match self {
            Self::DevDetail => "DevDetail",
            Self::DevInfo => "DevInfo",
            Self::DmClient => "DMClient",
        }
    }

    /// pfw's own DDF for it, as embedded.
    pub fn ddf(self) -> &'static [u8] {
        match self {
            Self::DevDetail => DEVDETAIL_DDF,
            Self::DevInfo => DEVINFO_DDF,
            Self::DmClient => DMCLIENT_DDF,
        }
    }

    /// The schema, loaded once per process.
    pub fn schema(self) -> Result<&'static Schema, DevInfoError> {
        static DEVDETAIL: OnceLock<Schema> = OnceLock::new();
        static DEVINFO: OnceLock<Schema> = OnceLock::new();
        static DMCLIENT: OnceLock<Schema> = OnceLock::new();
        let cell = match self {
            Self::DevDetail => &DEVDETAIL,
            Self::DevInfo => &DEVINFO,
            Self::DmClient => &DMCLIENT,
        };
        if let Some(schema) = cell.get() {
            return Ok(schema);
        }
        let schema = Schema::load(self.ddf()).map_err(|source| DevInfoError::Load {
            name: self.name(),
            source,
        })?;
        Ok(cell.get_or_init(|| schema))
    }
}

/// One of the read-only device CSPs, answering from these facts.
#[derive(Clone, Debug)]
pub struct DeviceCsp {
    kind: Kind,
    schema: &'static Schema,
    facts: Arc<DeviceFacts>,
}

impl DeviceCsp {
    /// The CSP of `kind` answering from `facts`.
    pub fn new(kind: Kind, facts: Arc<DeviceFacts>) -> Result<Self, DevInfoError> {
        Ok(Self {
            kind,
            schema: kind.schema()?,
            facts,
        })
    }

    /// Which CSP this is.
    pub fn kind(&self) -> Kind {
        self.kind
    }
}

impl Csp for DeviceCsp {
    fn name(&self) -> &str {
        self.kind.name()
    }

    fn schema(&self) -> &Schema {
        self.schema
    }

    fn computed_value(&self, device: &Device, path: &NodePath, node: &Node) -> Option<String> {
        if !node.is_leaf() {
            return None;
        }
        let segments: Vec<&str> = path.segments().collect();
        match self.kind {
            Kind::DevInfo => dev_info(&self.facts, &segments),
            Kind::DevDetail => dev_detail(&self.facts, device, &segments),
            Kind::DmClient => dm_client(&self.facts, &segments, node),
        }
    }
}

/// `./DevInfo/<leaf>`.
fn dev_info(facts: &DeviceFacts, segments: &[&str]) -> Option<String> {
    let value = match segments {
        ["DevInfo", "DevId"] => return facts.device_id.clone(),
        ["DevInfo", "Man"] => MANUFACTURER,
        ["DevInfo", "Mod"] => MODEL,
        ["DevInfo", "DmV"] => DM_VERSION,
        ["DevInfo", "Lang"] => LANGUAGE,
        _ => return None,
    };
    Some(value.to_owned())
}

/// `./DevDetail/...`.
fn dev_detail(facts: &DeviceFacts, device: &Device, segments: &[&str]) -> Option<String> {
    let id = facts.device_id.as_deref();
    let rest = segments.strip_prefix(&["DevDetail"])?;
    let value = match rest {
        ["URI", "MaxDepth" | "MaxTotLen" | "MaxSegLen"] => "0".to_owned(),
        ["DevTyp"] => MODEL.to_owned(),
        ["OEM"] => MANUFACTURER.to_owned(),
        ["FwV" | "HwV"] => FIRMWARE_VERSION.to_owned(),
        ["SwV"] => facts::software_version(device.build),
        ["LrgObj"] => "true".to_owned(),
        ["Ext", "Microsoft", leaf] => match *leaf {
            "Resolution" => RESOLUTION.to_owned(),
            "ProcessorArchitecture" => PROCESSOR_ARCHITECTURE.to_owned(),
            "ProcessorType" => PROCESSOR_TYPE.to_owned(),
            "OSPlatform" => facts::os_platform(device.build, device.edition),
            "LocalTime" => facts::now_iso8601(),
            "DeviceName" | "DNSComputerName" => facts::device_name(id?),
            "TotalRAM" => TOTAL_RAM_MB.to_owned(),
            "SMBIOSSerialNumber" => facts::serial_number(id?),
            "SystemSKU" => SYSTEM_SKU.to_owned(),
            _ => return None,
        },
        _ => return None,
    };
    Some(value)
}

/// `./Vendor/MSFT/DMClient/...`: the hardware ID, and the enrolled provider's values. A leaf
/// of another provider has no value (and so does not exist).
fn dm_client(facts: &DeviceFacts, segments: &[&str], node: &Node) -> Option<String> {
    let rest = segments.strip_prefix(&["Vendor", "MSFT", "DMClient"])?;
    match rest {
        ["HWDevID"] => facts.device_id.as_deref().map(facts::hw_dev_id),
        ["Provider", provider, relative @ ..] if !relative.is_empty() => {
            let enrolled = facts.provider.as_ref()?;
            if enrolled.provider_id != *provider {
                return None;
            }
            let relative = relative.join("/");
            if relative == "MaxSyncApplicationVersion" {
                return Some(MAX_SYNC_APPLICATION_VERSION.to_owned());
            }
            Some(
                enrolled
                    .values
                    .get(&relative)
                    .cloned()
                    .or_else(|| node.default_value.clone())
                    .unwrap_or_default(),
            )
        }
        _ => None,
    }
}

/// pfw's DevInfo DDF.
pub const DEVINFO_DDF: &[u8] = include_bytes!("../ddf/DevInfo.xml");
/// pfw's DevDetail DDF.
pub const DEVDETAIL_DDF: &[u8] = include_bytes!("../ddf/DevDetail.xml");
/// pfw's DMClient DDF (a read-only part of the CSP).
pub const DMCLIENT_DDF: &[u8] = include_bytes!("../ddf/DMClient.xml");
