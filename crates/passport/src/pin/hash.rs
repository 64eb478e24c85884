//! PIN hashing: argon2id, as PHC strings, each with its own random salt.
//!
//! [`HashParams::PRODUCTION`] follows OWASP's password storage recommendation for argon2id
//! (m = 19 MiB, t = 2, p = 1): it costs a few tens of milliseconds per hash, which bounds an
//! offline guessing attack on a stolen state file while keeping a History check over 50 PINs
//! within a couple of seconds. [`HashParams::TESTING`] is argon2's minimum, for tests. The
//! parameters are always the caller's argument: nothing here reads the environment, so no
//! setting outside the program can weaken the hashes it makes.
//!
//! A stored hash is untrusted: [`PhcHash::parse`] accepts only argon2id (version 0x13) with a
//! salt, and cost parameters within [`MAX_M_COST_KIB`], [`MAX_T_COST`] and [`MAX_P_COST`],
//! so an edited state file cannot make a check allocate or run without bound.

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{self, PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use serde::{Deserialize, Serialize};

use crate::error::HashError;
use crate::pin::rules::MAX_PIN_BYTES;

/// The argon2id cost parameters new hashes are made with.
#[derive(Clone, Copy, Debug, Eq, Hash, PartialEq)]
pub struct HashParams {
    m_cost_kib: u32,
    t_cost: u32,
    p_cost: u32,
}

impl HashParams {
    /// OWASP's argon2id recommendation: 19 MiB of memory, 2 iterations, 1 lane.
    pub const PRODUCTION: Self = Self {
        m_cost_kib: 19_456,
        t_cost: 2,
        p_cost: 1,
    };

    /// argon2's minimum (8 KiB, 1 iteration, 1 lane): for tests only.
    pub const TESTING: Self = Self {
        m_cost_kib: 8,
        t_cost: 1,
        p_cost: 1,
    };

    /// Parameters of one's own choosing, within argon2's rules and pfw's limits.
    pub fn new(m_cost_kib: u32, t_cost: u32, p_cost: u32) -> Result<Self, HashError> {
        check_cost(m_cost_kib, t_cost, p_cost)?;
        Params::new(m_cost_kib, t_cost, p_cost, None).map_err(HashError::Params)?;
        Ok(Self {
            m_cost_kib,
            t_cost,
            p_cost,
        })
    }

    /// Memory cost, in KiB.
    pub fn m_cost_kib(&self) -> u32 {
        self.m_cost_kib
    }

    /// Iterations.
    pub fn t_cost(&self) -> u32 {
        self.t_cost
    }

    /// Lanes.
    pub fn p_cost(&self) -> u32 {
        self.p_cost
    }
}

/// [`PRODUCTION`](HashParams::PRODUCTION).
impl Default for HashParams {
    fn default() -> Self {
        Self::PRODUCTION
    }
}

/// An argon2id hash in PHC string form (`$argon2id$v=19$m=…,t=…,p=…$salt$hash`), checked
/// against pfw's limits. Serialized as the string.
#[derive(Clone, Debug, Deserialize, Eq, Hash, PartialEq, Serialize)]
#[serde(try_from = "String", into = "String")]
pub struct PhcHash(String);

impl PhcHash {
    /// Hashes `pin` with a fresh random salt.
    pub fn hash(pin: &str, params: HashParams) -> Result<Self, HashError> {
        let argon2_params = Params::new(params.m_cost_kib, params.t_cost, params.p_cost, None)
            .map_err(HashError::Params)?;
        let hasher = Argon2::new(Algorithm::Argon2id, Version::V0x13, argon2_params);
        let salt = SaltString::generate(&mut OsRng);
        let hash = hasher
            .hash_password(pin.as_bytes(), &salt)
            .map_err(HashError::Hashing)?;
        Ok(Self(hash.to_string()))
    }

    /// Checks a stored PHC string: argon2id, version 0x13, a salt and an output, costs within
    /// pfw's limits.
    pub fn parse(phc: &str) -> Result<Self, HashError> {
        if phc.len() > MAX_PHC_BYTES {
            return Err(HashError::TooLong {
                limit: MAX_PHC_BYTES,
            });
        }
        let parsed = PasswordHash::new(phc).map_err(HashError::Malformed)?;
        let output_ok = parsed
            .hash
            .is_some_and(|out| (MIN_OUTPUT_BYTES..=MAX_OUTPUT_BYTES).contains(&out.len()));
        if parsed.algorithm != Algorithm::Argon2id.ident()
            || parsed.version != Some(Version::V0x13.into())
            || parsed.salt.is_none()
            || !output_ok
        {
            return Err(HashError::NotArgon2id);
        }
        let params = Params::try_from(&parsed).map_err(HashError::Malformed)?;
        check_cost(params.m_cost(), params.t_cost(), params.p_cost())?;
        Ok(Self(phc.to_owned()))
    }

    /// Whether `pin` is the PIN this hash was made from.
    pub fn verify(&self, pin: &str) -> Result<bool, HashError> {
        if pin.len() > MAX_PIN_BYTES {
            // Never hashed: `check` refuses such a PIN before any hash is made.
            return Ok(false);
        }
        let parsed = PasswordHash::new(&self.0).map_err(HashError::Malformed)?;
        match Argon2::default().verify_password(pin.as_bytes(), &parsed) {
            Ok(()) => Ok(true),
            Err(password_hash::Error::Password) => Ok(false),
            Err(e) => Err(HashError::Hashing(e)),
        }
    }

    /// The PHC string.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for PhcHash {
    type Error = HashError;

    fn try_from(phc: String) -> Result<Self, Self::Error> {
        Self::parse(&phc)
    }
}

impl From<PhcHash> for String {
    fn from(hash: PhcHash) -> Self {
        hash.0
    }
}

fn check_cost(m_cost_kib: u32, t_cost: u32, p_cost: u32) -> Result<(), HashError> {
    if m_cost_kib > MAX_M_COST_KIB || t_cost > MAX_T_COST || p_cost > MAX_P_COST {
        return Err(HashError::CostOutOfLimits {
            m_cost_kib,
            t_cost,
            p_cost,
        });
    }
    Ok(())
}

/// The most memory one hash may ask for: 256 MiB.
pub const MAX_M_COST_KIB: u32 = 256 * 1024;
/// The most iterations one hash may ask for.
pub const MAX_T_COST: u32 = 16;
/// The most lanes one hash may ask for.
pub const MAX_P_COST: u32 = 8;
/// The longest PHC string accepted.
pub const MAX_PHC_BYTES: usize = 256;

const MIN_OUTPUT_BYTES: usize = 16;
const MAX_OUTPUT_BYTES: usize = 64;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_their_own_pin_only() {
        let hash = PhcHash::hash("1234", HashParams::TESTING).unwrap();
        assert!(hash.as_str().starts_with("$argon2id$v=19$m=8,t=1,p=1$"));
        assert!(hash.verify("1234").unwrap());
        assert!(!hash.verify("1235").unwrap());
        assert!(!hash.verify(&"1".repeat(MAX_PIN_BYTES + 1)).unwrap());
        assert_eq!(PhcHash::parse(hash.as_str()), Ok(hash));
    }

    #[test]
    fn refuses_stored_hashes_outside_the_limits() {
        let good = PhcHash::hash("1234", HashParams::TESTING).unwrap();
        let (_, tail) = good.as_str().split_once("$m=8,t=1,p=1").unwrap();
        let with = |head: &str| format!("{head}{tail}");
        #[rustfmt::skip]
        let cases = [
            // Too much memory: an edited state must not make a check allocate without bound.
            (with("$argon2id$v=19$m=1048576,t=1,p=1"), "cost"),
            (with("$argon2id$v=19$m=8,t=1000,p=1"), "cost"),
            // Other algorithms and versions are not what pfw writes.
            (with("$argon2i$v=19$m=8,t=1,p=1"), "not"),
            (with("$argon2id$v=16$m=8,t=1,p=1"), "not"),
            (with("$argon2id$m=8,t=1,p=1"), "not"),
            ("$argon2id$v=19$m=8,t=1,p=1".to_owned(), "not"),
            ("not a hash".to_owned(), "malformed"),
            (format!("{}{}", good.as_str(), "A".repeat(MAX_PHC_BYTES)), "long"),
        ];
        for (phc, expected) in cases {
            let got = PhcHash::parse(&phc);
            let matches = matches!(
                (&got, expected),
                (Err(HashError::CostOutOfLimits { .. }), "cost")
                    | (Err(HashError::NotArgon2id), "not")
                    | (Err(HashError::Malformed(_)), "malformed")
                    | (Err(HashError::TooLong { .. }), "long")
            );
            assert!(matches, "{phc}: {got:?}, expected {expected}");
        }
    }

    #[test]
    fn params_are_checked() {
        assert!(HashParams::new(19_456, 2, 1).is_ok());
        assert!(matches!(
            HashParams::new(MAX_M_COST_KIB + 1, 1, 1),
            Err(HashError::CostOutOfLimits { .. })
        ));
        // argon2 needs at least 8 KiB per lane.
        assert!(matches!(
            HashParams::new(4, 1, 1),
            Err(HashError::Params(_))
        ));
    }
}
