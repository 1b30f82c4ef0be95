//! The diagnosis shown when a probe fails past its threshold.

use super::check::describe_check;
use super::runner::ProbeRole;
use crate::config::ProbeCheck;
use crate::diagnose::{Diagnosis, DiagnosisKind, Evidence};

/// Builds the diagnosis for a `role` probe that failed `failures` times in a
/// row, the last time with `error`.
pub fn probe_diagnosis(
    role: ProbeRole,
    check: &ProbeCheck,
    error: &str,
    failures: u32,
) -> Diagnosis {
    let times = if failures == 1 { "once" } else { "times" };
    let count = if failures == 1 { String::new() } else { format!("{failures} ") };
    let (summary, hint) = match role {
        ProbeRole::Liveness => (
            format!("liveness probe failed {count}{times}: {error}"),
            "restarted; check the log, or raise failure_threshold or start_period \
             if it needs longer",
        ),
        ProbeRole::Readiness => (
            format!("not ready, readiness probe failed {count}{times}: {error}"),
            "check the log and the probe target; dependents waiting for it to be \
             healthy keep waiting",
        ),
    };
    let evidence = Evidence {
        check: Some(format!("{} ({} probe)", describe_check(check), role_name(role))),
        ..Evidence::default()
    };
    Diagnosis::new(DiagnosisKind::HealthCheckFailing, summary, hint).with_evidence(evidence)
}

fn role_name(role: ProbeRole) -> &'static str {
    match role {
        ProbeRole::Readiness => "readiness",
        ProbeRole::Liveness => "liveness",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn liveness_diagnosis_names_error_and_count() {
        let check = ProbeCheck::Tcp { address: "127.0.0.1:6379".to_owned() };
        let error = "connect 127.0.0.1:6379: connection refused";
        let diagnosis = probe_diagnosis(ProbeRole::Liveness, &check, error, 3);

        assert_eq!(diagnosis.kind, DiagnosisKind::HealthCheckFailing);
        assert_eq!(
            diagnosis.summary,
            "liveness probe failed 3 times: connect 127.0.0.1:6379: connection refused"
        );
        assert!(diagnosis.hint.starts_with("restarted"), "{}", diagnosis.hint);
        let evidence = diagnosis.evidence.check.as_deref();
        assert_eq!(evidence, Some("tcp 127.0.0.1:6379 (liveness probe)"));
    }

    #[test]
    fn readiness_diagnosis_says_once() {
        let check = ProbeCheck::Exec { command: vec!["pg_isready".to_owned()] };
        let diagnosis =
            probe_diagnosis(ProbeRole::Readiness, &check, "exec `pg_isready` exited 2", 1);

        assert_eq!(
            diagnosis.summary,
            "not ready, readiness probe failed once: exec `pg_isready` exited 2"
        );
    }
}
