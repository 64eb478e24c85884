//! The PIN policy of the 2019 example message (seed 000), shared with the PIN benches
//! (`benches/pin.rs` reads this file with `#[path]`).

use pfw_passport::pin::{CharRule, PinPolicy};

/// The policy of the 2019 example message (seed 000): lengths 8 to 16, uppercase allowed,
/// lowercase required, special characters not allowed, digits required.
pub(crate) fn example_2019() -> PinPolicy {
    PinPolicy {
        min_length: 8,
        max_length: 16,
        uppercase: CharRule::Allowed,
        lowercase: CharRule::Required,
        digits: CharRule::Required,
        special: CharRule::NotAllowed,
        history: 20,
        expiration_days: 70,
    }
}
