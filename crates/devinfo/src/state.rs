//! The device identifier kept in a state: generated once, at the first need, and never changed
//! (a device property, so a state's device keeps one identity across enrollments).

use pfw_tree::{Store, Transaction};

use crate::error::DevInfoError;
use crate::facts::{generate_device_id, parse_device_id};

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
