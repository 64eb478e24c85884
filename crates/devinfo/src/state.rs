//! The device facts kept in a state: the device identifier, generated once, at the first
//! command that changes the device, and never changed (a device property, so a state's device
//! keeps one identity across enrollments); and the DMClient values of the enrollment, which
//! the enrollment writes here when it is stored and removes when it is forgotten, so that the
//! device CSPs answer from the state without knowing enrollments.
//!
//! Records layout: namespace [`PROVIDER_NAMESPACE`], owner `device`; key `provider-id` holds
//! the provider ID, each key `value/PATH` the value of `Provider/{ProviderID}/PATH`.

use pfw_tree::{RecordKey, Store, Transaction};

use crate::error::DevInfoError;
use crate::facts::{DeviceFacts, DmProvider, generate_device_id, parse_device_id};

/// Records namespace of the enrollment's DMClient values.
pub const PROVIDER_NAMESPACE: &str = "devinfo.dmclient";
/// Owner of those records.
const OWNER: &str = "device";
/// The record of the provider ID.
const PROVIDER_ID: RecordKey<'static> = RecordKey::new(PROVIDER_NAMESPACE, OWNER, "provider-id");
/// Prefix of the keys of values.
const VALUE_PREFIX: &str = "value/";

/// Device property holding the device identifier.
pub const DEVICE_ID_PROPERTY: &str = "device_id";

/// The stored device identifier, if one was generated.
pub fn device_id(store: &dyn Store) -> Result<Option<String>, DevInfoError> {
    store
        .property(DEVICE_ID_PROPERTY)?
        .map(|id| parse_device_id(&id))
        .transpose()
}

/// The stored device identifier, generated and stored first when the state has none. Runs in
/// its own transaction; call it outside one.
pub fn ensure_device_id(store: &mut dyn Store) -> Result<String, DevInfoError> {
    if let Some(id) = device_id(store)? {
        return Ok(id);
    }
    let mut transaction = Transaction::begin(store)?;
    let store = transaction.store();
    // Another process may have stored one since the first read: the write lock is held now.
    let id = match device_id(store)? {
        Some(id) => id,
        None => {
            let id = generate_device_id();
            store.set_property(DEVICE_ID_PROPERTY, Some(&id))?;
            id
        }
    };
    transaction.commit()?;
    Ok(id)
}

/// The facts the device CSPs answer from, generating the identifier first when the state has
/// none (its own transaction then; call it outside one).
pub fn device_facts(store: &mut dyn Store) -> Result<DeviceFacts, DevInfoError> {
    let id = ensure_device_id(store)?;
    Ok(DeviceFacts {
        device_id: Some(id),
        provider: load_provider(store)?,
    })
}

/// The facts as stored, writing nothing: for a command that only reads. A state whose
/// identifier is not generated yet gives facts without one.
pub fn stored_device_facts(store: &dyn Store) -> Result<DeviceFacts, DevInfoError> {
    Ok(DeviceFacts {
        device_id: device_id(store)?,
        provider: load_provider(store)?,
    })
}

/// The stored DMClient values of the enrollment, if the device is enrolled.
pub fn load_provider(store: &dyn Store) -> Result<Option<DmProvider>, DevInfoError> {
    let Some(id) = store.record(PROVIDER_ID)? else {
        return Ok(None);
    };
    let mut provider = DmProvider::new(String::from_utf8_lossy(&id));
    for key in store.record_keys(PROVIDER_NAMESPACE, OWNER)? {
        let Some(relative) = key.strip_prefix(VALUE_PREFIX) else {
            continue;
        };
        if let Some(value) = store.record(device_record(&key))? {
            let value = String::from_utf8_lossy(&value).into_owned();
            provider.values.insert(relative.to_owned(), value);
        }
    }
    Ok(Some(provider))
}

/// Stores the enrollment's DMClient values (`Some`), or forgets them (`None`), replacing
/// what was stored (inside the caller's transaction).
pub fn save_provider(
    store: &mut dyn Store,
    provider: Option<&DmProvider>,
) -> Result<(), DevInfoError> {
    for key in store.record_keys(PROVIDER_NAMESPACE, OWNER)? {
        store.set_record(device_record(&key), None)?;
    }
    let Some(provider) = provider else {
        return Ok(());
    };
    let id = provider.provider_id.as_bytes();
    store.set_record(PROVIDER_ID, Some(id))?;
    for (relative, value) in &provider.values {
        let key = format!("{VALUE_PREFIX}{relative}");
        store.set_record(device_record(&key), Some(value.as_bytes()))?;
    }
    Ok(())
}

/// The record `key` of the device in [`PROVIDER_NAMESPACE`].
fn device_record(key: &str) -> RecordKey<'_> {
    RecordKey::new(PROVIDER_NAMESPACE, OWNER, key)
}

#[cfg(test)]
mod tests {
    use pfw_tree::MemoryStore;

    use super::*;

    #[test]
    fn generated_once_then_kept() {
        let mut store = MemoryStore::new();
        assert_eq!(device_id(&store).unwrap(), None);
        let first = ensure_device_id(&mut store).unwrap();
        assert_eq!(ensure_device_id(&mut store).unwrap(), first);
        assert_eq!(device_id(&store).unwrap(), Some(first));
    }

    #[test]
    fn the_provider_is_stored_replaced_and_forgotten_and_reading_writes_nothing() {
        let mut store = MemoryStore::new();
        let facts = stored_device_facts(&store).unwrap();
        assert_eq!((facts.device_id, facts.provider), (None, None));
        assert_eq!(
            device_id(&store).unwrap(),
            None,
            "reading generated nothing"
        );
        let first = DmProvider::new("mdm-a")
            .with("EntDMID", Some("1".to_owned()))
            .with("Poll/NumberOfFirstRetries", Some("8".to_owned()));
        let second = DmProvider::new("mdm-b").with("UPN", Some("u@example.com".to_owned()));
        for provider in [Some(&first), Some(&second), None] {
            store.begin().unwrap();
            save_provider(&mut store, provider).unwrap();
            store.commit().unwrap();
            assert_eq!(load_provider(&store).unwrap().as_ref(), provider);
        }
        let facts = device_facts(&mut store).unwrap();
        assert!(facts.device_id.is_some() && facts.provider.is_none());
    }

    #[test]
    fn a_damaged_identifier_is_reported() {
        let mut store = MemoryStore::new();
        store.begin().unwrap();
        store
            .set_property(DEVICE_ID_PROPERTY, Some("not-an-id"))
            .unwrap();
        store.commit().unwrap();
        assert!(matches!(
            ensure_device_id(&mut store),
            Err(DevInfoError::InvalidDeviceId(_))
        ));
    }
}
