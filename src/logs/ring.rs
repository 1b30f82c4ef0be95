//! The in-memory tail of a component's output, bounded in bytes and
//! allocated on first use.

use std::collections::VecDeque;

use crate::event::Stream;

/// Bytes charged per entry on top of its text, so many tiny lines stay bounded too.
const ENTRY_OVERHEAD: usize = 48;

#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub stream: Stream,
    pub continued: bool,
    pub at_millis: u64,
    pub bytes: Box<[u8]>,
}

impl Entry {
    fn cost(&self) -> usize {
        self.bytes.len() + ENTRY_OVERHEAD
    }
}

/// Recent lines, oldest first, whose total cost stays within `max_bytes`.
#[derive(Debug, Default)]
pub(crate) struct TailRing {
    entries: VecDeque<Entry>,
    bytes: usize,
    max_bytes: usize,
}

impl TailRing {
    pub(crate) fn new(max_bytes: usize) -> TailRing {
        TailRing { entries: VecDeque::new(), bytes: 0, max_bytes }
    }

    pub(crate) fn set_max_bytes(&mut self, max_bytes: usize) {
        self.max_bytes = max_bytes;
        self.evict(0);
        if max_bytes == 0 {
            self.entries = VecDeque::new();
        }
    }

    /// Appends a line, cutting its text when it alone exceeds the bound.
    pub(crate) fn push(&mut self, stream: Stream, continued: bool, at_millis: u64, bytes: &[u8]) {
        if self.max_bytes <= ENTRY_OVERHEAD {
            return;
        }
        let kept = bytes.len().min(self.max_bytes - ENTRY_OVERHEAD);
        let entry = Entry { stream, continued, at_millis, bytes: bytes[..kept].into() };
        self.evict(entry.cost());
        self.bytes += entry.cost();
        self.entries.push_back(entry);
    }

    /// Drops the oldest entries until `incoming` more bytes fit.
    fn evict(&mut self, incoming: usize) {
        while self.bytes + incoming > self.max_bytes {
            let Some(oldest) = self.entries.pop_front() else {
                break;
            };
            self.bytes -= oldest.cost();
        }
    }

    /// Returns the last `n` entries, oldest first.
    pub(crate) fn last(&self, n: usize) -> impl Iterator<Item = &Entry> {
        self.entries.iter().skip(self.entries.len().saturating_sub(n))
    }

    /// Returns the newest entries whose text adds up to at most `max_bytes`, oldest first.
    pub(crate) fn last_bytes(&self, max_bytes: usize) -> impl Iterator<Item = &Entry> {
        let mut total = 0;
        let count = self
            .entries
            .iter()
            .rev()
            .take_while(|entry| {
                total += entry.bytes.len();
                total <= max_bytes
            })
            .count();
        self.last(count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ring_stays_within_bound() {
        let mut ring = TailRing::new(1000);
        for i in 0..100u64 {
            ring.push(Stream::Out, false, i, &[b'x'; 52]);
        }
        assert_eq!(ring.entries.len(), 10);
        assert!(ring.bytes <= 1000);
        assert_eq!(ring.last(1).next().unwrap().at_millis, 99);
        assert_eq!(ring.last(3).count(), 3);
        assert_eq!(ring.last_bytes(110).count(), 2);
    }

    #[test]
    fn ring_cuts_oversized_line() {
        let mut ring = TailRing::new(200);
        ring.push(Stream::Err, false, 1, &[b'y'; 1000]);
        assert_eq!(ring.last(1).next().unwrap().bytes.len(), 200 - ENTRY_OVERHEAD);
    }

    #[test]
    fn ring_shrinks_on_new_bound() {
        let mut ring = TailRing::new(10_000);
        for i in 0..50u64 {
            ring.push(Stream::Out, false, i, b"0123456789");
        }
        ring.set_max_bytes(116);
        assert_eq!(ring.entries.len(), 2);
    }
}
