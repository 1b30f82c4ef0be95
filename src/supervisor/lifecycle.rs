//! Starting a run, noticing its exit, applying the restart policy and
//! stopping it.

use std::time::SystemTime;

use tokio::sync::oneshot;
use tokio::time::Instant;

use crate::diagnose::{Diagnosis, DiagnosisKind, ExitInfo};
use crate::event::LastExit;
use crate::process::{SpawnSpec, StopReport};
use crate::state::StateName;

use super::actor::{Actor, Internal, OUTPUT_DRAIN};
use super::component::{AfterStop, Run, duration_ms, rfc3339};
use super::deps::Gate;
use super::policy::{Decision, RunEnd};

/// Bytes of recent output handed to diagnosis.
const DIAGNOSIS_TAIL_BYTES: usize = 16 * 1024;

impl Actor {
    /// Starts a component unless it is live, waiting on dependencies or blocked by preflight.
    pub fn try_start(&mut self, name: &str) {
        let Some(component) = self.components.get(name) else { return };
        if component.run.is_some() || component.state.is_live() || self.shutting_down {
            return;
        }
        let gate = self.dependency_gate(name);
        if let Gate::Blocked(on) = gate {
            return self.block_on_dependencies(name, on);
        }
        // No dependency blocks it any more, so a dependency diagnosis is stale.
        let component = self.components.get_mut(name).expect("present");
        if component.diagnosis.as_ref().is_some_and(|d| d.kind == DiagnosisKind::DependencyFailed) {
            component.diagnosis = None;
        }
        if let Gate::Wait(on) = gate {
            return self.wait_for(name, on);
        }
        if let Some(diagnosis) = self.preflight(name) {
            return self.block(name, diagnosis);
        }
        // Leaving `blocked` for a start: the preflight diagnosis no longer holds.
        let component = self.components.get_mut(name).expect("present");
        if component.state == StateName::Blocked {
            component.diagnosis = None;
        }
        self.spawn_run(name);
    }

    fn wait_for(&mut self, name: &str, on: Vec<String>) {
        let component = self.components.get_mut(name).expect("caller checked the name");
        if component.state == StateName::Waiting && component.waiting_on == on {
            return;
        }
        component.waiting_on = on.clone();
        if component.state == StateName::Waiting {
            self.publish(name, Some(StateName::Waiting));
        } else {
            self.set_state(name, StateName::Waiting);
            self.components.get_mut(name).expect("present").waiting_on = on;
            self.publish(name, Some(StateName::Waiting));
        }
    }

    fn block_on_dependencies(&mut self, name: &str, on: Vec<String>) {
        let summary = format!("dependency failed: {}", on.join(", "));
        let hint = format!("fix {} first; this component starts once it is up", on.join(" and "));
        let diagnosis = Diagnosis::new(DiagnosisKind::DependencyFailed, summary, hint);
        let component = self.components.get_mut(name).expect("caller checked the name");
        if component.state == StateName::Blocked && component.waiting_on == on {
            return;
        }
        component.diagnosis = Some(diagnosis);
        self.cancel_timer(name);
        self.set_state(name, StateName::Blocked);
        self.components.get_mut(name).expect("present").waiting_on = on;
        self.publish(name, Some(StateName::Blocked));
    }

    /// Puts a component in `blocked` with a preflight diagnosis and retries on the capped backoff.
    fn block(&mut self, name: &str, diagnosis: Diagnosis) {
        let component = self.components.get_mut(name).expect("caller checked the name");
        let delay = component.tracker.blocked_delay(&component.config.backoff);
        let repeated = component.state == StateName::Blocked
            && component.diagnosis.as_ref() == Some(&diagnosis);
        if !repeated {
            tracing::warn!(component = name, problem = %diagnosis.one_line(), "blocked by preflight");
        }
        component.diagnosis = Some(diagnosis);
        self.set_state(name, StateName::Blocked);
        self.schedule_timer(name, delay);
        self.publish(name, Some(StateName::Blocked));
    }

    fn spawn_run(&mut self, name: &str) {
        self.next_run_id += 1;
        let run_id = self.next_run_id;
        self.cancel_timer(name);
        self.set_state(name, StateName::Starting);
        let component = self.components.get_mut(name).expect("caller checked the name");
        let spec = SpawnSpec {
            component: name.to_string(),
            argv: component.config.command.clone(),
            cwd: component.config.cwd.clone(),
            env: component.config.env.clone(),
            run_id,
        };
        let spawned = match crate::process::spawn(&spec) {
            Ok(spawned) => spawned,
            Err(error) => return self.on_spawn_failed(name, error),
        };
        let now = Instant::now();
        component.tracker.record_start(now);
        let pumps = component.log.attach(spawned.stdout, spawned.stderr);
        let probes = self.start_probes(name, run_id);
        let component = self.components.get_mut(name).expect("present");
        component.run = Some(Run {
            id: run_id,
            pid: spawned.pid,
            pgid: spawned.pgid,
            started: now,
            tree: Some(spawned.tree),
            leader_exited: false,
            probes,
            sent_signals: Vec::new(),
            members: vec![spawned.pid],
        });
        component.restart_pending = false;
        component.health = None;
        tracing::info!(component = name, pid = spawned.pid, run = run_id, "started");
        let internal = self.internal.clone();
        let watched_name = name.to_string();
        let mut child = spawned.child;
        tokio::spawn(async move {
            let status = child.wait().await;
            // Let the pumps drain what the run wrote before it exited.
            let _ = tokio::time::timeout(OUTPUT_DRAIN, pumps).await;
            let _ = internal.send(Internal::Exited { name: watched_name, run_id, status });
        });
        self.set_state(name, StateName::Running);
        self.schedule_stable_check(name, run_id);
    }

    fn on_spawn_failed(&mut self, name: &str, error: crate::process::SpawnError) {
        let component = self.components.get_mut(name).expect("caller checked the name");
        tracing::error!(component = name, %error, "failed to start");
        component.tracker.record_start(Instant::now());
        let io_error = match error.errno() {
            Some(errno) => std::io::Error::from_raw_os_error(errno),
            None => std::io::Error::new(error.kind(), error.to_string()),
        };
        let diagnosis = crate::diagnose::diagnose_spawn_error(&component.config, &io_error);
        component.diagnosis = Some(diagnosis);
        component.last_exit = Some(LastExit {
            code: None,
            signal: None,
            at: rfc3339(SystemTime::now()),
            uptime_ms: 0,
            orphans: 0,
        });
        self.set_state(name, StateName::Exited);
        let end = RunEnd { code: Some(127), signaled: false, uptime: std::time::Duration::ZERO };
        self.apply_policy(name, end);
    }

    /// Arranges for [`Actor::on_stable`] once the new run has lasted `min_uptime`.
    fn schedule_stable_check(&mut self, name: &str, run_id: u64) {
        let component = self.components.get_mut(name).expect("caller checked the name");
        component.carried_diagnosis = component.diagnosis.clone();
        let delay = component.config.min_uptime;
        let internal = self.internal.clone();
        let name = name.to_string();
        tokio::spawn(async move {
            tokio::time::sleep(delay).await;
            let _ = internal.send(Internal::Stable { name, run_id });
        });
    }

    /// Clears the diagnosis of an earlier failure once the run that followed
    /// it has lasted `min_uptime`; the history keeps it.
    pub fn on_stable(&mut self, name: &str, run_id: u64) {
        let Some(component) = self.components.get_mut(name) else { return };
        let current =
            component.run.as_ref().is_some_and(|run| run.id == run_id && !run.leader_exited);
        if !current {
            return;
        }
        let carried = component.carried_diagnosis.take();
        if carried.is_some() && component.diagnosis == carried {
            component.diagnosis = None;
            self.publish(name, None);
        }
    }

    pub fn on_exited(
        &mut self,
        name: &str,
        run_id: u64,
        status: std::io::Result<std::process::ExitStatus>,
    ) {
        let Some(component) = self.components.get_mut(name) else { return };
        let Some(run) = component.run.as_mut().filter(|run| run.id == run_id) else { return };
        run.leader_exited = true;
        let uptime = Instant::now().saturating_duration_since(run.started);
        let orphans = run.tree.as_mut().map(|tree| tree.members().len()).unwrap_or(0);
        let (code, signal) = exit_parts(&status);
        let signal_sent_by_tend = signal.is_some_and(|signal| run.sent_signals.contains(&signal));
        let stopping = component.state == StateName::Stopping;
        let exit = LastExit {
            code,
            signal: signal.map(crate::process::signal_name),
            at: rfc3339(SystemTime::now()),
            uptime_ms: duration_ms(uptime),
            orphans,
        };
        tracing::info!(component = name, exit_code = ?code, signal = ?exit.signal, uptime_ms = exit.uptime_ms, orphans, "exited");
        component.last_exit = Some(exit.clone());
        if stopping {
            return;
        }
        let info = ExitInfo {
            code,
            signal: exit.signal.clone(),
            uptime_ms: exit.uptime_ms,
            signal_sent_by_tend,
        };
        if orphans > 0 {
            component.diagnosis = Some(daemonized(&info, orphans));
            component.push_history(Some(exit));
            self.set_state(name, StateName::Exited);
            self.watch_leftovers(name, run_id);
            return;
        }
        component.run = None;
        component.clear_usage();
        let end = RunEnd { code, signaled: signal.is_some(), uptime };
        let success = super::policy::is_success(&component.config, end);
        let diagnosis = if success { None } else { Some(self.diagnose_exit(name, &info)) };
        let component = self.components.get_mut(name).expect("present");
        component.diagnosis = diagnosis;
        component.push_history(Some(exit));
        self.set_state(name, StateName::Exited);
        self.apply_policy(name, end);
    }

    /// Arranges for [`Actor::on_leftovers_gone`] once every process that
    /// outlived the leader has exited.
    fn watch_leftovers(&mut self, name: &str, run_id: u64) {
        let component = self.components.get_mut(name).expect("caller checked the name");
        let Some(tree) = component.run.as_mut().and_then(|run| run.tree.as_mut()) else { return };
        let all_exited = tree.wait_empty();
        let internal = self.internal.clone();
        let name = name.to_string();
        tokio::spawn(async move {
            all_exited.await;
            let _ = internal.send(Internal::LeftoversGone { name, run_id });
        });
    }

    /// Ends a run whose leader exited earlier once its last process is gone,
    /// and applies the restart policy to it. A daemon whose background
    /// processes all vanished counts as failed, because their exit statuses
    /// are not the leader's to report. A task is judged by the leader's code.
    pub fn on_leftovers_gone(&mut self, name: &str, run_id: u64) {
        let Some(component) = self.components.get_mut(name) else { return };
        let Some(run) = component.run.as_mut().filter(|run| run.id == run_id) else { return };
        if component.state != StateName::Exited {
            return;
        }
        let Some(tree) = run.tree.as_mut() else { return };
        let remaining = tree.members().len();
        if remaining > 0 {
            return self.watch_leftovers(name, run_id);
        }
        let uptime = Instant::now().saturating_duration_since(run.started);
        let leader_code = component.last_exit.as_ref().and_then(|exit| exit.code);
        let code = match component.config.kind {
            crate::config::Kind::Task => leader_code,
            crate::config::Kind::Daemon => None,
        };
        tracing::info!(
            component = name,
            run = run_id,
            "the processes left after the leader exited are gone"
        );
        component.run = None;
        component.clear_usage();
        if let Some(diagnosis) = component.diagnosis.as_mut()
            && diagnosis.kind == DiagnosisKind::Daemonized
        {
            diagnosis.summary = "exited, and the processes it left running have exited too".into();
        }
        let end = RunEnd { code, signaled: false, uptime };
        self.publish(name, None);
        self.apply_policy(name, end);
    }

    fn diagnose_exit(&self, name: &str, info: &ExitInfo) -> Diagnosis {
        let component = &self.components[name];
        let output = component.log.tail_lines(DIAGNOSIS_TAIL_BYTES);
        let owners = super::deps::Owners { components: &self.components };
        let input = crate::diagnose::FailureInput {
            component: &component.config,
            exit: info,
            output: &output,
            sent_signal: false,
            owners: &owners,
        };
        crate::diagnose::diagnose(&input)
    }

    /// Decides what follows an exit that Tend did not ask for.
    fn apply_policy(&mut self, name: &str, end: RunEnd) {
        let component = self.components.get_mut(name).expect("caller checked the name");
        let in_fatal_retry = std::mem::take(&mut component.in_fatal_retry);
        let failed = !super::policy::is_success(&component.config, end);
        let decision = if in_fatal_retry && failed && end.uptime < component.config.min_uptime {
            Decision::GiveUp
        } else {
            component.tracker.decide(&component.config, end, Instant::now())
        };
        self.follow_decision(name, decision, in_fatal_retry);
    }

    /// Carries out the restart policy's decision for a component that is not running.
    fn follow_decision(&mut self, name: &str, decision: Decision, in_fatal_retry: bool) {
        match decision {
            Decision::Completed => self.set_state(name, StateName::Completed),
            Decision::Stay => {}
            Decision::Restart(delay) => {
                let component = self.components.get_mut(name).expect("present");
                component.restart_pending = true;
                tracing::warn!(
                    component = name,
                    delay_ms = duration_ms(delay),
                    attempt = component.tracker.restarts,
                    "restarting after a delay"
                );
                if delay.is_zero() {
                    // Straight on, without a round trip through the timer wheel
                    // (which rounds up to the next millisecond).
                    self.set_state(name, StateName::Backoff);
                    self.try_start(name);
                } else {
                    self.schedule_timer(name, delay);
                    self.set_state(name, StateName::Backoff);
                }
            }
            Decision::GiveUp => self.give_up(name, in_fatal_retry),
        }
    }

    fn give_up(&mut self, name: &str, quiet: bool) {
        let component = self.components.get_mut(name).expect("caller checked the name");
        let retry = component.config.fatal_retry;
        if !quiet {
            let problem = component.diagnosis.as_ref().map(Diagnosis::one_line).unwrap_or_default();
            tracing::error!(component = name, restarts = component.tracker.restarts, problem = %problem, "gave up after the restart limit");
        }
        component.restart_pending = false;
        self.set_state(name, StateName::Fatal);
        if let Some(retry) = retry {
            self.schedule_timer(name, retry);
        }
    }

    pub fn on_timer(&mut self, name: &str, generation: u64) {
        let Some(component) = self.components.get_mut(name) else { return };
        if component.timer_generation != generation {
            return;
        }
        component.next_attempt = None;
        match component.state {
            StateName::Fatal => {
                component.in_fatal_retry = true;
                tracing::info!(component = name, "retrying after giving up");
                self.try_start(name);
            }
            StateName::Backoff | StateName::Blocked => self.try_start(name),
            _ => {}
        }
    }

    /// Starts stopping a component; `reply` gets a message once every process is gone.
    pub fn begin_stop(
        &mut self,
        name: &str,
        after: AfterStop,
        reply: Option<oneshot::Sender<String>>,
    ) {
        self.cancel_timer(name);
        let Some(component) = self.components.get_mut(name) else { return };
        component.restart_pending = false;
        component.in_fatal_retry = false;
        if component.state == StateName::Stopping {
            component.after_stop = after;
            component.stop_waiters.extend(reply);
            return;
        }
        let Some(run) = component.run.as_mut() else {
            if let Some(reply) = reply {
                let _ = reply.send("stopped".to_string());
            }
            return self.settle_stopped(name, after);
        };
        let Some(mut tree) = run.tree.take() else { return };
        run.probes = None;
        let run_id = run.id;
        let signal = component.config.stop_signal;
        let timeout = component.config.stop_timeout;
        component.after_stop = after;
        component.stop_waiters.extend(reply);
        tracing::info!(component = name, pid = run.pid, "stopping");
        let internal = self.internal.clone();
        let stopped_name = name.to_string();
        tokio::spawn(async move {
            let report = tree.stop(signal, timeout).await;
            let _ = internal.send(Internal::StopDone { name: stopped_name, run_id, report });
        });
        self.set_state(name, StateName::Stopping);
    }

    pub fn on_stop_done(&mut self, name: &str, run_id: u64, report: StopReport) {
        let Some(component) = self.components.get_mut(name) else { return };
        if component.run.as_ref().map(|run| run.id) != Some(run_id) {
            return;
        }
        let message = if report.survivors.is_empty() {
            "stopped".to_string()
        } else {
            let survivors: Vec<String> = report
                .survivors
                .iter()
                .map(|survivor| format!("{} ({})", survivor.pid, survivor.reason))
                .collect();
            let message = format!(
                "{} processes could not be killed: {}",
                survivors.len(),
                survivors.join(", ")
            );
            tracing::error!(component = name, survivors = %survivors.join(", "), "stop left processes alive");
            component.diagnosis = Some(Diagnosis::new(
                DiagnosisKind::StopFailed,
                message.clone(),
                "a process in uninterruptible sleep (D state) or owned by another user cannot be killed; check `ps -o pid,stat,user,cmd`",
            ));
            message
        };
        tracing::info!(component = name, "stopped");
        for waiter in component.stop_waiters.drain(..) {
            let _ = waiter.send(message.clone());
        }
        let after = std::mem::replace(&mut component.after_stop, AfterStop::Rest);
        component.run = None;
        component.clear_usage();
        self.settle_stopped(name, after);
        self.drop_if_removed(name);
    }

    /// Moves a component whose processes are all gone to the state `after`
    /// asks for. During shutdown every component rests.
    fn settle_stopped(&mut self, name: &str, after: AfterStop) {
        let after = if self.shutting_down { AfterStop::Rest } else { after };
        if let AfterStop::Policy(decision) = after {
            self.set_state(name, StateName::Exited);
            return self.follow_decision(name, decision, false);
        }
        if self.components[name].state != StateName::Stopped {
            self.set_state(name, StateName::Stopped);
        }
        if after == AfterStop::Start {
            self.try_start(name);
        }
    }
}

fn exit_parts(status: &std::io::Result<std::process::ExitStatus>) -> (Option<i32>, Option<i32>) {
    use std::os::unix::process::ExitStatusExt;
    match status {
        Ok(status) => (status.code(), status.signal()),
        Err(_) => (None, None),
    }
}

fn daemonized(info: &ExitInfo, orphans: usize) -> Diagnosis {
    let processes = if orphans == 1 { "process" } else { "processes" };
    let summary = format!("exited, {orphans} {processes} still running");
    let hint = "the program forked into the background; Tend still tracks and stops those processes, \
                but run it in the foreground (e.g. a --no-daemon or --foreground flag) so Tend can restart it";
    let evidence = crate::diagnose::Evidence { exit: Some(info.clone()), ..Default::default() };
    Diagnosis::new(DiagnosisKind::Daemonized, summary, hint).with_evidence(evidence)
}
