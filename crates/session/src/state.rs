//! The enrollment kept in a device's state: the [`Enrollment`] record (JSON, in the store's
//! records under [`NAMESPACE`]), the DMClient provider node it creates in the device's tree,
//! the session counter that numbers its MS-MDM sessions, and the [`DeviceFacts`] the device
//! CSPs answer from.
//!
//! Writes happen inside the caller's transaction unless a function says otherwise, so an
//! enrollment is stored, or forgotten, all at once.

use std::sync::Arc;

use pfw_ddf::encode_segment;
use pfw_devinfo::{DeviceFacts, DmProvider, ensure_device_id};
use pfw_engine::Engine;
use pfw_syncml::Limits;
use pfw_tree::{InstanceId, RecordKey, Registry, Store, Transaction};

use crate::enroll::device::{DeviceId, DeviceInfo};
use crate::enroll::record::Enrollment;
use crate::error::StateError;

/// Records namespace of the enrollment.
pub const NAMESPACE: &str = "session.enrollment";

/// The stored enrollment, if the device is enrolled.
pub fn load_enrollment(store: &dyn Store) -> Result<Option<Enrollment>, StateError> {
    let Some(bytes) = store.record(ENROLLMENT)? else {
        return Ok(None);
    };
    let text = String::from_utf8_lossy(&bytes);
    Ok(Some(Enrollment::from_json(&text)?))
}

/// Stores `enrollment` and creates its DMClient provider node (inside the caller's
/// transaction). The session counter starts again.
pub fn save_enrollment(store: &mut dyn Store, enrollment: &Enrollment) -> Result<(), StateError> {
    let json = enrollment.to_json()?;
    store.set_record(ENROLLMENT, Some(json.as_bytes()))?;
    store.set_record(COUNTER, None)?;
    store.put(
        InstanceId::DEVICE,
        &provider_key(enrollment.provider_id()),
        None,
    )?;
    pfw_devinfo::save_provider(store, Some(&provider_of(enrollment)))?;
    Ok(())
}

/// Forgets the enrollment: its record, its session counter and its DMClient provider node
/// (inside the caller's transaction). Returns what was forgotten.
pub fn forget_enrollment(store: &mut dyn Store) -> Result<Option<Enrollment>, StateError> {
    let Some(enrollment) = load_enrollment(store)? else {
        return Ok(None);
    };
    store.set_record(ENROLLMENT, None)?;
    store.set_record(COUNTER, None)?;
    store.delete_subtree(InstanceId::DEVICE, &provider_key(enrollment.provider_id()))?;
    pfw_devinfo::save_provider(store, None)?;
    Ok(Some(enrollment))
}

/// The next session's SessionID, counting from 1 for each enrollment (its own transaction).
pub fn next_session_id(store: &mut dyn Store) -> Result<String, StateError> {
    let mut transaction = Transaction::begin(store)?;
    let store = transaction.store();
    let last = store
        .record(COUNTER)?
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|t| t.parse::<u32>().ok())
        .unwrap_or(0);
    let next = next_counter(last);
    store.set_record(COUNTER, Some(next.to_string().as_bytes()))?;
    transaction.commit()?;
    Ok(format_session_id(next))
}

/// The facts the device CSPs answer from: the device identifier (generated and stored first
/// when the state has none: its own transaction) and the enrollment's DMClient values.
pub fn device_facts(store: &mut dyn Store) -> Result<DeviceFacts, StateError> {
    let facts = DeviceFacts::new(ensure_device_id(store)?);
    Ok(match load_enrollment(store)? {
        Some(enrollment) => facts.with_provider(provider_of(&enrollment)),
        None => facts,
    })
}

/// Writes `enrollment`'s DMClient values into the device facts when they are not there yet
/// (a state enrolled by an earlier pfw; [`save_enrollment`] writes them for every enrollment
/// since), for the commands that answer DMClient without reading enrollments. Its own
/// transaction when it writes; call it outside one.
pub fn keep_provider(store: &mut dyn Store, enrollment: &Enrollment) -> Result<(), StateError> {
    let provider = provider_of(enrollment);
    if pfw_devinfo::load_provider(store)?.as_ref() == Some(&provider) {
        return Ok(());
    }
    let mut transaction = Transaction::begin(store)?;
    pfw_devinfo::save_provider(transaction.store(), Some(&provider))?;
    transaction.commit()?;
    Ok(())
}
/// An engine for the device in `store`: `base`'s CSPs plus the device CSPs answering from
/// the state's [`device_facts`].
pub fn engine_for(base: &Registry, store: &mut dyn Store) -> Result<Engine, StateError> {
    let facts = device_facts(store)?;
    let registry = pfw_devinfo::register(base.clone(), &Arc::new(facts))?;
    Ok(Engine::new(registry, Limits::DEFAULT))
}

/// The device a state emulates, as it introduces itself when enrolling: its identifier
/// (generated first when the state has none: its own transaction), build and edition.
pub fn device_info(store: &mut dyn Store) -> Result<DeviceInfo, StateError> {
    let id = ensure_device_id(store)?;
    let device_id = DeviceId::parse(&id)?;
    let device = pfw_tree::Device::load(store)?;
    Ok(DeviceInfo::emulated(device_id, device))
}

/// The DMClient `Provider/{ProviderID}` values of an enrollment.
pub fn provider_of(enrollment: &Enrollment) -> DmProvider {
    let dm = &enrollment.dm_client;
    let poll = &dm.poll;
    let num = |v: Option<u32>| v.map(|n| n.to_string());
    let flag = |v: Option<bool>| v.map(|b| b.to_string());
    #[rustfmt::skip]
    let values = [
        ("EntDeviceName", dm.ent_device_name.clone()),
        ("EntDMID", dm.ent_dmid.clone()),
        ("UPN", dm.upn.clone().or_else(|| enrollment.user.clone())),
        ("ManagementServiceAddress", Some(enrollment.server_address().to_owned())),
        ("SyncApplicationVersion", dm.sync_application_version.clone()),
        ("RequireMessageSigning", flag(dm.require_message_signing)),
        ("Poll/IntervalForFirstSetOfRetries", num(poll.interval_for_first_set_of_retries)),
        ("Poll/NumberOfFirstRetries", num(poll.number_of_first_retries)),
        ("Poll/IntervalForSecondSetOfRetries", num(poll.interval_for_second_set_of_retries)),
        ("Poll/NumberOfSecondRetries", num(poll.number_of_second_retries)),
        ("Poll/IntervalForRemainingScheduledRetries", num(poll.interval_for_remaining_scheduled_retries)),
        ("Poll/NumberOfRemainingScheduledRetries", num(poll.number_of_remaining_scheduled_retries)),
        ("Poll/PollOnLogin", flag(poll.poll_on_login)),
        ("Poll/AllUsersPollOnFirstLogin", flag(poll.all_users_poll_on_first_login)),
    ];
    values.into_iter().fold(
        DmProvider::new(enrollment.provider_id()),
        |provider, (name, value)| provider.with(name, value),
    )
}

/// A SessionID as Windows writes it (reference §4.5, inferred from the observed `1` and `D`):
/// the counter in upper-case hexadecimal without leading zeros, at most four characters.
pub fn format_session_id(counter: u32) -> String {
    format!("{:X}", counter & 0xFFFF)
}

/// The counter after `last`: 1 to 0xFFFF, then 1 again (0 is never used).
pub fn next_counter(last: u32) -> u32 {
    if last == 0 || last >= 0xFFFF {
        1
    } else {
        last + 1
    }
}

/// Store key of the enrollment's DMClient provider node.
fn provider_key(provider_id: &str) -> String {
    format!(
        "Vendor/MSFT/DMClient/Provider/{}",
        encode_segment(provider_id)
    )
}

/// The enrollment record (the device's).
const ENROLLMENT: RecordKey<'static> = RecordKey::new(NAMESPACE, "device", "enrollment");
/// The session counter (the device's).
const COUNTER: RecordKey<'static> = RecordKey::new(NAMESPACE, "device", "session-counter");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_ids_table() {
        for (counter, expected) in [
            // The real capture's first session after enrollment.
            (1, "1"),
            // The Mattrax check-in's hexadecimal digit.
            (13, "D"),
            (16, "10"),
            // At most four characters (MS-MDM: a SessionID is at most 4 bytes).
            (0xFFFF, "FFFF"),
        ] {
            assert_eq!(format_session_id(counter), expected);
        }
        assert_eq!(next_counter(0), 1);
        assert_eq!(next_counter(41), 42);
        assert_eq!(next_counter(0xFFFF), 1);
    }

    #[test]
    fn session_counter_counts_per_state() {
        let mut store = pfw_tree::MemoryStore::new();
        assert_eq!(next_session_id(&mut store).unwrap(), "1");
        assert_eq!(next_session_id(&mut store).unwrap(), "2");
    }
}
