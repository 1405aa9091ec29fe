//! An account's health, computed from what its record holds (its last test result and time, its
//! certificate's dates), never stored as a claim. Every screen shows it through this one
//! function, with the same words: *Not tested yet*, *Working*, *Failing*, *Certificate expired*
//! (and the app's own *Checking…* while a test runs in it).
//!
//! A test counts only for the certificates it was made with: once the account's certificates no
//! longer include the one that signed its last test (replaced by hand), the account is *Not
//! tested yet* again, because nobody knows yet whether the new one was uploaded.

use crate::certificate::{Expiry, Sha1Thumbprint};
use crate::integration::{Integration, Provider};
use crate::verify::ConnectionTest;

/// What health is derived from: a few facts of the record, small enough to keep for every
/// account of a large organization (the app's list reads them without reading whole accounts).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HealthFacts {
    pub provider: Provider,
    /// When the account's certificate ends (Microsoft 365 and Azure).
    pub certificate_ends: Option<i64>,
    pub last_test: Option<TestFacts>,
}

/// The facts of the last test that count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TestFacts {
    /// Milliseconds since the Unix epoch.
    pub at: i64,
    pub passed: bool,
    /// When the failures in a row up to this test began (this test's time if unknown).
    pub failing_since: i64,
    /// Whether a certificate the account still lists signed it (always, for AWS, which has none).
    pub of_current_certificate: bool,
}

impl TestFacts {
    /// The facts of `test`, made for an account that uses the certificates `uses` says it does.
    pub fn of(test: &ConnectionTest, uses: impl Fn(&Sha1Thumbprint) -> bool) -> TestFacts {
        TestFacts {
            at: test.at,
            passed: test.passed(),
            failing_since: test.failing_since.unwrap_or(test.at),
            of_current_certificate: test.certificate.as_ref().is_none_or(uses),
        }
    }
}

/// How the account is, by its last test and its certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Health {
    /// Linked, and never tested (or not since its certificate was replaced).
    NotTested { certificate_changed: bool },
    /// The last test passed.
    Working { checked_at: i64 },
    /// The last test failed; the failures in a row began at `since`.
    Failing { since: i64, checked_at: i64 },
    /// The certificate has ended: whatever the last test said, Microsoft takes nothing it signs.
    CertificateExpired { ended_at: i64 },
}

/// An account's status: its health, and how close its certificate is to its end.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AccountStatus {
    pub provider: Provider,
    pub health: Health,
    /// The certificate's expiry (none for AWS).
    pub certificate: Option<Expiry>,
}

impl HealthFacts {
    /// The one rule every screen uses.
    pub fn status(self, now_ms: i64) -> AccountStatus {
        let certificate = self.certificate_ends.map(|ends| Expiry::at(ends, now_ms));
        let health = match (certificate, self.last_test) {
            (Some(Expiry::Expired { .. }), _) => Health::CertificateExpired { ended_at: self.certificate_ends.unwrap_or(now_ms) },
            (_, None) => Health::NotTested { certificate_changed: false },
            (_, Some(t)) if !t.of_current_certificate => Health::NotTested { certificate_changed: true },
            (_, Some(t)) if t.passed => Health::Working { checked_at: t.at },
            (_, Some(t)) => Health::Failing { since: t.failing_since.min(t.at), checked_at: t.at },
        };
        AccountStatus { provider: self.provider, health, certificate }
    }
}

impl Integration {
    pub fn health_facts(&self) -> HealthFacts {
        HealthFacts {
            provider: self.details.provider(),
            certificate_ends: self.certificate.as_ref().map(|c| c.not_after),
            last_test: self.last_test.as_ref().map(|t| TestFacts::of(t, |c| self.uses_certificate(c))),
        }
    }

    /// The account's status now (see [`HealthFacts::status`]).
    pub fn status(&self, now_ms: i64) -> AccountStatus {
        self.health_facts().status(now_ms)
    }

    /// The one thing to do next, in a sentence; `None` when nothing is needed.
    pub fn next_step(&self, now_ms: i64) -> Option<String> {
        let status = self.status(now_ms);
        match status.health {
            Health::Failing { .. } => {
                let failure = self.last_test.as_ref().and_then(ConnectionTest::first_failure);
                Some(match failure {
                    Some(c) => match &c.fix {
                        Some(fix) => format!("{}: {fix}", c.id.title()),
                        None => format!("{}: {}", c.id.title(), c.detail),
                    },
                    None => "Open the account and test the connection again.".to_string(),
                })
            }
            _ => status.next_step().map(str::to_string),
        }
    }
}

impl Health {
    /// The status in two words, as every screen says it.
    pub fn label(self) -> &'static str {
        match self {
            Health::NotTested { .. } => "Not tested yet",
            Health::Working { .. } => "Working",
            Health::Failing { .. } => "Failing",
            Health::CertificateExpired { .. } => "Certificate expired",
        }
    }

    /// A name for the status that stays the same in every language the page is in: the style
    /// and the tests use it.
    pub fn key(self) -> &'static str {
        match self {
            Health::NotTested { .. } => "not-tested",
            Health::Working { .. } => "working",
            Health::Failing { .. } => "failing",
            Health::CertificateExpired { .. } => "expired",
        }
    }
}

impl AccountStatus {
    /// 0 (nothing to do) to 6: lists and Home put the most urgent first.
    pub fn urgency(self) -> u8 {
        match (self.health, self.certificate) {
            (Health::CertificateExpired { .. }, _) => 6,
            (Health::Failing { .. }, _) => 5,
            (_, Some(Expiry::Soon { .. })) => 4,
            (Health::NotTested { .. }, _) => 3,
            (_, Some(Expiry::Expiring { .. })) => 2,
            (Health::Working { .. }, _) => 0,
        }
    }

    /// Where the account goes in a list, most urgent first (compare in reverse): its urgency,
    /// then, between equally urgent accounts, whose certificate ends sooner.
    pub fn rank(self) -> (u8, u8) {
        (self.urgency(), self.certificate.map_or(0, Expiry::urgency))
    }

    /// Whether someone should do something about the account (Home lists these; the top bar
    /// counts them).
    pub fn needs_attention(self) -> bool {
        self.urgency() > 0
    }

    /// When it was last checked, or since when it fails, as a person says it ("checked 3 hours
    /// ago", "since 2 days ago"); `None` for an account never tested.
    pub fn when(self, now_ms: i64) -> Option<String> {
        match self.health {
            Health::Working { checked_at } => Some(format!("checked {}", ago(now_ms, checked_at))),
            Health::Failing { since, checked_at } if now_ms - since >= 60_000 && since < checked_at => {
                Some(format!("since {}, checked {}", ago(now_ms, since), ago(now_ms, checked_at)))
            }
            Health::Failing { checked_at, .. } => Some(format!("checked {}", ago(now_ms, checked_at))),
            Health::CertificateExpired { ended_at } => Some(format!("ended {}", ago(now_ms, ended_at))),
            Health::NotTested { .. } => None,
        }
    }

    /// What to do next when the record alone says it (a failing account's fix is in its last
    /// test: see [`Integration::next_step`]).
    pub fn next_step(self) -> Option<&'static str> {
        let microsoft = self.provider != Provider::Aws;
        match self.health {
            Health::CertificateExpired { .. } => Some(
                "Replace the certificate: the one that ended signs nothing Microsoft accepts. Make a new one on the account's page, upload it in Entra, then Test connection.",
            ),
            Health::NotTested { certificate_changed: true } => {
                Some("The certificate changed since the last test: upload it in Entra, then Test connection.")
            }
            Health::NotTested { .. } if microsoft => Some("Upload the certificate in Entra, then Test connection."),
            Health::NotTested { .. } => Some("Test connection, to check that Xops can assume the role."),
            Health::Failing { .. } => Some("Open the account and follow the fix beside the failed check, then test again."),
            Health::Working { .. } => match self.certificate {
                Some(Expiry::Soon { .. }) => Some("Renew the certificate now: it ends within two weeks."),
                Some(Expiry::Expiring { .. }) => Some("Renew the certificate before it ends."),
                _ => None,
            },
        }
    }
}

/// How long ago `then` was, in the largest whole unit: "just now", "1 minute ago", "3 hours
/// ago", "2 days ago".
pub fn ago(now_ms: i64, then_ms: i64) -> String {
    let seconds = (now_ms - then_ms).max(0) / 1000;
    let (n, unit) = match seconds {
        0..60 => return "just now".to_string(),
        60..3_600 => (seconds / 60, "minute"),
        3_600..172_800 => (seconds / 3_600, "hour"),
        _ => (seconds / 86_400, "day"),
    };
    format!("{n} {unit}{} ago", if n == 1 { "" } else { "s" })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::integration::tests::{aws_json, m365_json};
    use crate::verify::{Check, CheckId};

    const HOUR: i64 = 3_600_000;
    const DAY: i64 = 24 * HOUR;
    const NOW: i64 = 1_800_000_000_000;

    fn certificate(thumbprint: char, ends: i64) -> serde_json::Value {
        serde_json::json!({
            "pem": "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----",
            "sha1_thumbprint": thumbprint.to_string().repeat(40), "sha256_thumbprint": "B".repeat(64),
            "not_before": ends - 365 * DAY, "not_after": ends, "key_held_by": "Chromium on Linux"
        })
    }

    fn m365(ends: i64) -> Integration {
        let mut v = m365_json();
        v["certificate"] = certificate('A', ends);
        serde_json::from_value(v).unwrap()
    }

    fn tested(mut i: Integration, at: i64, passed: bool, signer: Option<char>) -> Integration {
        let check = if passed {
            Check::passed(CheckId::Credentials, "Microsoft issued a token.")
        } else {
            Check::failed(CheckId::Credentials, "Microsoft did not accept the certificate.", "Upload the certificate.")
        };
        i.last_test = Some(ConnectionTest {
            checks: vec![check, Check::not_checked(CheckId::Organization, "the credentials were refused.")]
                .into_iter()
                .filter(|c| passed || c.id == CheckId::Credentials || c.skipped)
                .collect(),
            certificate: signer.map(|c| Sha1Thumbprint::parse(&c.to_string().repeat(40)).unwrap()),
            ..ConnectionTest::new(at)
        });
        if passed {
            i.last_test.as_mut().unwrap().checks.retain(|c| c.ok);
        }
        i
    }

    #[test]
    fn a_linked_account_is_not_tested_yet_and_says_what_to_do() {
        let s = m365(NOW + 365 * DAY).status(NOW);
        assert_eq!(s.health, Health::NotTested { certificate_changed: false });
        assert_eq!(s.health.label(), "Not tested yet");
        assert_eq!(s.next_step(), Some("Upload the certificate in Entra, then Test connection."));
        assert!(s.needs_attention());
        assert_eq!(s.when(NOW), None);
        let aws: Integration = serde_json::from_value(aws_json()).unwrap();
        assert_eq!(aws.status(NOW).certificate, None);
        assert!(aws.next_step(NOW).unwrap().contains("assume the role"));
    }

    #[test]
    fn a_passing_test_is_working_with_its_time() {
        let i = tested(m365(NOW + 365 * DAY), NOW - 3 * HOUR, true, Some('A'));
        let s = i.status(NOW);
        assert_eq!(s.health, Health::Working { checked_at: NOW - 3 * HOUR });
        assert_eq!(s.health.label(), "Working");
        assert_eq!(s.when(NOW).as_deref(), Some("checked 3 hours ago"));
        assert!(!s.needs_attention());
        assert_eq!(i.next_step(NOW), None);
    }

    #[test]
    fn a_failing_test_says_since_when_and_the_first_fix() {
        let mut i = tested(m365(NOW + 365 * DAY), NOW - HOUR, false, Some('A'));
        i.last_test.as_mut().unwrap().failing_since = Some(NOW - 2 * DAY);
        let s = i.status(NOW);
        assert_eq!(s.health, Health::Failing { since: NOW - 2 * DAY, checked_at: NOW - HOUR });
        assert_eq!(s.when(NOW).as_deref(), Some("since 2 days ago, checked 1 hour ago"));
        assert_eq!(i.next_step(NOW).as_deref(), Some("Credentials accepted: Upload the certificate."));
        assert!(s.needs_attention());
        // A failure whose start is unknown (a result kept before `failing_since`) began with it.
        i.last_test.as_mut().unwrap().failing_since = None;
        assert_eq!(i.status(NOW).health, Health::Failing { since: NOW - HOUR, checked_at: NOW - HOUR });
        assert_eq!(i.status(NOW).when(NOW).as_deref(), Some("checked 1 hour ago"));
    }

    #[test]
    fn an_ended_certificate_outranks_any_test_and_warnings_stay() {
        let i = tested(m365(NOW - DAY), NOW - 2 * DAY, true, Some('A'));
        let s = i.status(NOW);
        assert_eq!(s.health, Health::CertificateExpired { ended_at: NOW - DAY });
        assert_eq!(s.health.label(), "Certificate expired");
        assert!(i.next_step(NOW).unwrap().starts_with("Replace the certificate"));
        // Working, with the certificate's 14-day warning.
        let soon = tested(m365(NOW + 10 * DAY), NOW - HOUR, true, Some('A')).status(NOW);
        assert_eq!(soon.health, Health::Working { checked_at: NOW - HOUR });
        assert_eq!(soon.certificate, Some(Expiry::Soon { days_left: 10 }));
        assert!(soon.needs_attention());
        assert!(soon.next_step().unwrap().contains("Renew"));
    }

    #[test]
    fn a_test_of_a_certificate_the_account_no_longer_lists_does_not_count() {
        let i = tested(m365(NOW + 365 * DAY), NOW - HOUR, true, Some('C'));
        assert_eq!(i.status(NOW).health, Health::NotTested { certificate_changed: true });
        assert!(i.next_step(NOW).unwrap().contains("certificate changed"));
        // Another browser's certificate, still listed, counts.
        let mut v = serde_json::to_value(&i).unwrap();
        v["other_certificates"] = serde_json::json!([certificate('C', NOW + 100 * DAY)]);
        let with_other: Integration = serde_json::from_value(v).unwrap();
        assert_eq!(with_other.status(NOW).health, Health::Working { checked_at: NOW - HOUR });
        // A result kept before tests named their certificate counts for the account's.
        assert_eq!(tested(m365(NOW + 365 * DAY), NOW, true, None).status(NOW).health, Health::Working { checked_at: NOW });
    }

    #[test]
    fn the_most_urgent_first() {
        let order = [
            tested(m365(NOW - DAY), NOW, true, Some('A')),        // expired
            tested(m365(NOW + 365 * DAY), NOW, false, Some('A')), // failing
            tested(m365(NOW + 10 * DAY), NOW, true, Some('A')),   // working, renew now
            m365(NOW + 365 * DAY),                                // not tested
            tested(m365(NOW + 40 * DAY), NOW, true, Some('A')),   // working, renew soon
            tested(m365(NOW + 365 * DAY), NOW, true, Some('A')),  // working
        ]
        .map(|i| i.status(NOW).urgency());
        assert!(order.windows(2).all(|w| w[0] > w[1]), "{order:?}");
    }

    #[test]
    fn ago_speaks_in_whole_units() {
        assert_eq!(ago(NOW, NOW - 59_000), "just now");
        assert_eq!(ago(NOW, NOW - 60_000), "1 minute ago");
        assert_eq!(ago(NOW, NOW - 3 * HOUR - 5), "3 hours ago");
        assert_eq!(ago(NOW, NOW - 47 * HOUR), "47 hours ago");
        assert_eq!(ago(NOW, NOW - 2 * DAY), "2 days ago");
        assert_eq!(ago(NOW, NOW + 5_000), "just now", "a clock a little ahead is not the future");
    }
}
