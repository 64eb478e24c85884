//! Faults a fleet injects on purpose (`--fault`), so that a server's retry and convergence
//! logic can be tested: rules that match a server command by LocURI pattern and, with a
//! probability, answer it with a status code, delay the answer, drop the connection or
//! abandon the session.
//!
//! Whether a rule fires is decided by a hash of the fleet's seed, the device, its session
//! number, the message and the command: the same fleet rerun injects the same faults,
//! whatever the order in which threads or shards reach them.

use std::sync::Mutex;
use std::time::Duration;

use pfw_syncml::Command;

use crate::error::FaultRuleError;
use crate::mdm::{Fault, FaultHook};

/// One `--fault` rule.
#[derive(Clone, Debug, PartialEq)]
pub struct FaultRule {
    /// The rule as written, for the report.
    pub text: String,
    /// LocURI pattern: `*` matches any characters (`/` too).
    pub uri: String,
    /// Chance that a matching command is faulted, 0 to 1.
    pub probability: f64,
    /// What happens.
    pub fault: Fault,
}

impl FaultRule {
    /// Parses `uri=PATTERN,answer=ANSWER[,p=PROBABILITY][,delay=MILLISECONDS]`, where
    /// ANSWER is a status code (`500`, `405`, `418`, …), `delay`, `drop` or `abandon`.
    pub fn parse(text: &str) -> Result<Self, FaultRuleError> {
        let mut uri = None;
        let mut answer = None;
        let mut probability = 1.0;
        let mut delay_ms = None;
        for part in text.split(',') {
            let (key, value) = part
                .split_once('=')
                .ok_or_else(|| FaultRuleError::new(text, "each part is KEY=VALUE"))?;
            match key.trim() {
                "uri" => uri = Some(value.trim().to_owned()),
                "answer" => answer = Some(value.trim().to_owned()),
                "p" => {
                    probability = value
                        .trim()
                        .parse::<f64>()
                        .ok()
                        .filter(|p| (0.0..=1.0).contains(p))
                        .ok_or_else(|| FaultRuleError::new(text, "p is a number from 0 to 1"))?;
                }
                "delay" => {
                    delay_ms = Some(
                        value
                            .trim()
                            .trim_end_matches("ms")
                            .parse::<u64>()
                            .map_err(|_| FaultRuleError::new(text, "delay is milliseconds"))?,
                    );
                }
                _ => {
                    return Err(FaultRuleError::new(
                        text,
                        "the keys are uri, answer, p and delay",
                    ));
                }
            }
        }
        let uri = uri.ok_or_else(|| FaultRuleError::new(text, "uri=PATTERN is missing"))?;
        let answer = answer.ok_or_else(|| {
            FaultRuleError::new(
                text,
                "answer= is missing (a status code, delay, drop, abandon)",
            )
        })?;
        let fault = match answer.as_str() {
            "abandon" => Fault::Abandon,
            "drop" => Fault::Drop,
            "delay" => Fault::Delay(Duration::from_millis(delay_ms.ok_or_else(|| {
                FaultRuleError::new(text, "answer=delay needs delay=MILLISECONDS")
            })?)),
            code => match code.parse::<u16>() {
                Ok(code) if (100..=599).contains(&code) => Fault::Status(code),
                _ => {
                    return Err(FaultRuleError::new(
                        text,
                        "answer is a status code from 100 to 599, delay, drop or abandon",
                    ));
                }
            },
        };
        Ok(Self {
            text: text.to_owned(),
            uri,
            probability,
            fault,
        })
    }

    /// Whether the rule's pattern matches any target of `command` (or of the commands in it).
    pub fn matches(&self, command: &Command) -> bool {
        targets(command).iter().any(|t| glob(&self.uri, t))
    }
}

/// The faults of one device's session: decides from the seed and records what fired.
#[derive(Debug)]
pub struct SessionFaults<'r> {
    rules: &'r [FaultRule],
    seed: u64,
    device: usize,
    session: u64,
    fired: Mutex<Vec<usize>>,
}

impl<'r> SessionFaults<'r> {
    /// The faults of session `session` (counted over all runs) of device `device`.
    pub fn new(rules: &'r [FaultRule], seed: u64, device: usize, session: u64) -> Self {
        Self {
            rules,
            seed,
            device,
            session,
            fired: Mutex::new(Vec::new()),
        }
    }

    /// The rules that fired, by index, once per firing.
    pub fn fired(&self) -> Vec<usize> {
        self.fired
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }
}

impl FaultHook for SessionFaults<'_> {
    fn fault(&self, message: usize, index: usize, command: &Command) -> Option<Fault> {
        for (at, rule) in self.rules.iter().enumerate() {
            if !rule.matches(command) {
                continue;
            }
            let roll = unit(mix(&[
                self.seed,
                self.device as u64,
                self.session,
                message as u64,
                index as u64,
                at as u64,
            ]));
            if roll < rule.probability {
                self.fired
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .push(at);
                return Some(rule.fault);
            }
        }
        None
    }
}

/// A 64-bit hash of `words` (SplitMix64 steps): the fleet's one source of chance.
pub fn mix(words: &[u64]) -> u64 {
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    for word in words {
        state ^= *word;
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        state = z ^ (z >> 31);
    }
    state
}

/// `hash` as a number in [0, 1).
pub fn unit(hash: u64) -> f64 {
    (hash >> 11) as f64 / (1u64 << 53) as f64
}

fn targets(command: &Command) -> Vec<&str> {
    match command {
        Command::Atomic(c) | Command::Sequence(c) => c.commands.iter().flat_map(targets).collect(),
        _ => command.item_command().map_or_else(Vec::new, |c| {
            c.items
                .iter()
                .filter_map(|i| i.target_uri().map(str::trim))
                .collect()
        }),
    }
}

/// `*` matches any run of characters.
fn glob(pattern: &str, text: &str) -> bool {
    let mut parts = pattern.split('*');
    let Some(first) = parts.next() else {
        return text.is_empty();
    };
    let Some(mut rest) = text.strip_prefix(first) else {
        return false;
    };
    let parts: Vec<&str> = parts.collect();
    let Some((last, middle)) = parts.split_last() else {
        return rest.is_empty();
    };
    for part in middle {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    rest.ends_with(last)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_parse_and_explain_mistakes() {
        let rule = FaultRule::parse("uri=./Device/*/PassportForWork/*,answer=500,p=0.25").unwrap();
        assert_eq!(rule.fault, Fault::Status(500));
        assert_eq!(rule.probability, 0.25);
        assert_eq!(
            FaultRule::parse("uri=*,answer=delay,delay=30ms")
                .unwrap()
                .fault,
            Fault::Delay(Duration::from_millis(30))
        );
        assert_eq!(
            FaultRule::parse("uri=*,answer=drop").unwrap().fault,
            Fault::Drop
        );
        for (bad, says) in [
            ("answer=500", "uri=PATTERN is missing"),
            ("uri=*", "answer= is missing"),
            ("uri=*,answer=42", "status code from 100 to 599"),
            ("uri=*,answer=500,p=2", "from 0 to 1"),
            ("uri=*,answer=delay", "needs delay="),
            ("uri=*,answer=500,x=1", "the keys are"),
        ] {
            let err = FaultRule::parse(bad).unwrap_err().to_string();
            assert!(err.contains(says), "{bad}: {err}");
        }
    }

    #[test]
    fn glob_matches_as_documented() {
        assert!(glob("./Device/*", "./Device/Vendor/MSFT/X"));
        assert!(glob(
            "*/PIN*",
            "./Device/Vendor/MSFT/PassportForWork/T/Policies/PINComplexity"
        ));
        assert!(glob("./DevDetail/SwV", "./DevDetail/SwV"));
        assert!(!glob("./DevDetail/SwV", "./DevDetail/SwV2"));
        assert!(!glob("./User/*", "./Device/Vendor"));
    }

    #[test]
    fn the_same_seed_rolls_the_same_dice() {
        let a = unit(mix(&[1, 2, 3]));
        assert_eq!(a, unit(mix(&[1, 2, 3])));
        assert_ne!(a, unit(mix(&[1, 2, 4])));
        assert!((0.0..1.0).contains(&a));
    }
}
