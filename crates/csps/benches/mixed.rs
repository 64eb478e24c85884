//! A 100-command message to many CSPs against 100 PassportForWork commands, both applied in
//! memory (`Engine::apply` on a fresh `MemoryStore` each iteration, made outside the timing).
//!
//! - `passport_100`: 100 Adds of PassportForWork policies (ten tenants, ten leaves each);
//! - `mixed_100`: 100 Adds across the Policy CSP (DeviceLock, Browser, Defender, ADMX_Bits),
//!   BitLocker, Defender, LAPS and Firewall rules (every CSP loaded before the timing: one
//!   warm-up apply).
//!
//! Every command of both messages answers 200 (checked before timing).

use std::hint::black_box;
use std::sync::Arc;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};

use pfw_csps::{Options, registry};
use pfw_devinfo::DeviceFacts;
use pfw_engine::{Engine, Options as RunOptions};
use pfw_tree::MemoryStore;

fn message(commands: &[(String, &str, &str)]) -> String {
    let mut body = String::new();
    for (i, (uri, format, data)) in commands.iter().enumerate() {
        body.push_str(&pfw_testdata::item_command("Add", i + 2, uri, format, data));
    }
    pfw_testdata::message(&body)
}

fn passport_100() -> String {
    let leaves: [(&str, &str, &str); 10] = [
        ("Policies/UsePassportForWork", "bool", "true"),
        ("Policies/RequireSecurityDevice", "bool", "true"),
        ("Policies/PINComplexity/MinimumPINLength", "int", "6"),
        ("Policies/PINComplexity/MaximumPINLength", "int", "12"),
        ("Policies/PINComplexity/Digits", "int", "0"),
        ("Policies/PINComplexity/LowercaseLetters", "int", "1"),
        ("Policies/PINComplexity/UppercaseLetters", "int", "1"),
        ("Policies/PINComplexity/SpecialCharacters", "int", "2"),
        ("Policies/PINComplexity/History", "int", "5"),
        ("Policies/PINComplexity/Expiration", "int", "90"),
    ];
    let mut commands = Vec::new();
    for tenant in 0..10 {
        for (leaf, format, data) in leaves {
            commands.push((
                format!("./Device/Vendor/MSFT/PassportForWork/tenant{tenant}/{leaf}"),
                format,
                data,
            ));
        }
    }
    message(&commands)
}

fn mixed_100() -> String {
    let fixed: [(&str, &str, &str); 20] = [
        (
            "./Device/Vendor/MSFT/Policy/Config/DeviceLock/MinDevicePasswordLength",
            "int",
            "8",
        ),
        (
            "./Device/Vendor/MSFT/Policy/Config/DeviceLock/DevicePasswordEnabled",
            "int",
            "0",
        ),
        (
            "./Device/Vendor/MSFT/Policy/Config/DeviceLock/AllowSimpleDevicePassword",
            "int",
            "0",
        ),
        (
            "./Device/Vendor/MSFT/Policy/Config/DeviceLock/MaxInactivityTimeDeviceLock",
            "int",
            "15",
        ),
        (
            "./Device/Vendor/MSFT/Policy/Config/Browser/AllowCookies",
            "int",
            "1",
        ),
        (
            "./Device/Vendor/MSFT/Policy/Config/Browser/AllowAutofill",
            "int",
            "0",
        ),
        (
            "./Device/Vendor/MSFT/Policy/Config/Defender/AllowRealtimeMonitoring",
            "int",
            "1",
        ),
        (
            "./Device/Vendor/MSFT/Policy/Config/Defender/AllowCloudProtection",
            "int",
            "1",
        ),
        (
            "./Device/Vendor/MSFT/Policy/Config/ADMX_Bits/BITS_EnablePeercaching",
            "chr",
            "&lt;enabled/&gt;",
        ),
        (
            "./Device/Vendor/MSFT/Policy/Config/ADMX_Bits/BITS_DisableBranchCache",
            "chr",
            "&lt;disabled/&gt;",
        ),
        (
            "./Vendor/MSFT/BitLocker/RequireDeviceEncryption",
            "int",
            "1",
        ),
        (
            "./Vendor/MSFT/BitLocker/AllowWarningForOtherDiskEncryption",
            "int",
            "0",
        ),
        (
            "./Vendor/MSFT/Defender/Configuration/DaysUntilAggressiveCatchupQuickScan",
            "int",
            "7",
        ),
        (
            "./Vendor/MSFT/Defender/Configuration/DisableCpuThrottleOnIdleScans",
            "int",
            "0",
        ),
        ("./Vendor/MSFT/LAPS/Policies/BackupDirectory", "int", "1"),
        ("./Vendor/MSFT/LAPS/Policies/PasswordLength", "int", "20"),
        ("./Vendor/MSFT/LAPS/Policies/PasswordAgeDays", "int", "30"),
        ("./Vendor/MSFT/LAPS/Policies/PasswordComplexity", "int", "4"),
        (
            "./Vendor/MSFT/LAPS/Policies/PostAuthenticationResetDelay",
            "int",
            "8",
        ),
        (
            "./Vendor/MSFT/LAPS/Policies/PostAuthenticationActions",
            "int",
            "3",
        ),
    ];
    let mut commands: Vec<(String, &str, &str)> = fixed
        .iter()
        .map(|(u, f, d)| ((*u).to_owned(), *f, *d))
        .collect();
    for rule in 0..40 {
        let base = format!("./Vendor/MSFT/Firewall/MdmStore/FirewallRules/Rule{rule}");
        commands.push((format!("{base}/Protocol"), "int", "6"));
        commands.push((format!("{base}/LocalPortRanges"), "chr", "3389"));
    }
    message(&commands)
}

fn bench(c: &mut Criterion) {
    let facts = Arc::new(DeviceFacts::new("1E08C6E95D8BB843B1278FF45BC60CC6"));
    let engine = Engine::new(
        registry(Options::new(facts)).expect("the registry assembles"),
        pfw_syncml::Limits::DEFAULT,
    );
    let options = RunOptions::default();
    let mut group = c.benchmark_group("hundred_commands");
    for (name, text) in [("passport_100", passport_100()), ("mixed_100", mixed_100())] {
        let bytes = text.into_bytes();
        let outcome = engine
            .apply(&mut MemoryStore::new(), &bytes, &options)
            .expect("the message decodes");
        assert_eq!(outcome.reports.len(), 100, "{name}");
        assert!(outcome.all_succeeded(), "{name}: every command answers 200");
        group.bench_function(name, |b| {
            b.iter_batched(
                MemoryStore::new,
                |mut store| black_box(engine.apply(&mut store, black_box(&bytes), &options)),
                BatchSize::SmallInput,
            );
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
