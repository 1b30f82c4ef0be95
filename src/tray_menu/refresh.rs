//! Coalesces state events into tray rebuilds: the first change is shown at
//! once, and a burst (a crash loop) rebuilds at most once per interval.

use std::future::Future;
use std::time::Duration;

use tokio::sync::broadcast::{self, error::RecvError, error::TryRecvError};
use tokio::time::Instant;

use crate::event::{Event, EventBody};

/// Calls `rebuild` after every event that changes what the tray shows, at
/// most once per `min_interval`: a change after a quiet period rebuilds at
/// once, and changes inside the interval are folded into one rebuild at its
/// end. Returns when the event stream ends or a shutdown event arrives.
pub async fn coalesce_refreshes<F, Fut>(
    mut events: broadcast::Receiver<Event>,
    min_interval: Duration,
    mut rebuild: F,
) where
    F: FnMut() -> Fut,
    Fut: Future<Output = ()>,
{
    let mut last_rebuild: Option<Instant> = None;
    loop {
        match events.recv().await {
            Ok(event) if is_shutdown(&event) => return,
            Ok(event) if !changes_tray(&event) => continue,
            // A lagging receiver missed changes, so it rebuilds from a fresh snapshot.
            Ok(_) | Err(RecvError::Lagged(_)) => {}
            Err(RecvError::Closed) => return,
        }

        if let Some(last) = last_rebuild {
            tokio::time::sleep_until(last + min_interval).await;
        }
        if drain(&mut events) {
            return;
        }
        rebuild().await;
        last_rebuild = Some(Instant::now());
    }
}

/// Takes every queued event; returns true when the stream ended meanwhile.
fn drain(events: &mut broadcast::Receiver<Event>) -> bool {
    loop {
        match events.try_recv() {
            Ok(event) if is_shutdown(&event) => return true,
            Ok(_) | Err(TryRecvError::Lagged(_)) => {}
            Err(TryRecvError::Empty) => return false,
            Err(TryRecvError::Closed) => return true,
        }
    }
}

fn is_shutdown(event: &Event) -> bool {
    matches!(event.body, EventBody::Shutdown)
}

fn changes_tray(event: &Event) -> bool {
    !matches!(event.body, EventBody::Log { .. })
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;
    use crate::event::{EventBody, Snapshot};

    fn snapshot_event(seq: u64) -> Event {
        Event { seq, body: EventBody::Snapshot { snapshot: Snapshot::new(None, Vec::new(), None) } }
    }

    #[tokio::test(start_paused = true)]
    async fn burst_rebuilds_at_most_four_a_second() {
        let (sender, receiver) = broadcast::channel(1024);
        let rebuilds = Arc::new(AtomicUsize::new(0));
        let counter = rebuilds.clone();
        let task =
            tokio::spawn(coalesce_refreshes(receiver, Duration::from_millis(250), move || {
                let counter = counter.clone();
                async move {
                    counter.fetch_add(1, Ordering::SeqCst);
                }
            }));

        // 100 events spread over one second: every 10 ms.
        let start = Instant::now();
        for seq in 0..100 {
            sender.send(snapshot_event(seq)).unwrap();
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let during_burst = rebuilds.load(Ordering::SeqCst);
        assert!(Instant::now() - start >= Duration::from_secs(1));
        assert!(during_burst <= 5, "{during_burst} rebuilds in one second");
        assert!(during_burst >= 3, "only {during_burst} rebuilds in one second");

        // The last change is shown within one interval after the burst.
        tokio::time::sleep(Duration::from_millis(260)).await;
        let after = rebuilds.load(Ordering::SeqCst);
        assert_eq!(after, during_burst + 1);

        drop(sender);
        task.await.unwrap();
    }

    #[tokio::test(start_paused = true)]
    async fn change_after_quiet_period_rebuilds_at_once() {
        let (sender, receiver) = broadcast::channel(16);
        let (done, mut rebuilt) = tokio::sync::mpsc::unbounded_channel();
        let task =
            tokio::spawn(coalesce_refreshes(receiver, Duration::from_millis(250), move || {
                let done = done.clone();
                async move {
                    done.send(Instant::now()).unwrap();
                }
            }));

        let sent_at = Instant::now();
        sender.send(snapshot_event(1)).unwrap();
        let first = rebuilt.recv().await.unwrap();
        assert_eq!(first, sent_at);

        tokio::time::sleep(Duration::from_secs(2)).await;
        let sent_at = Instant::now();
        sender.send(snapshot_event(2)).unwrap();
        let second = rebuilt.recv().await.unwrap();
        assert_eq!(second, sent_at);

        sender.send(Event { seq: 3, body: EventBody::Shutdown }).unwrap();
        task.await.unwrap();
    }
}
