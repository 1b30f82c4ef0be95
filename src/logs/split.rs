//! Splitting a byte stream into lines, cutting long lines into pieces of at
//! most [`LINE_CAP`] bytes and marking every piece after the first.

use super::format::LINE_CAP;

/// Line state of one stream between reads.
#[derive(Debug, Default)]
pub(crate) struct LineSplitter {
    /// The start of a line whose newline has not arrived, at most `LINE_CAP` bytes.
    carry: Vec<u8>,
    /// The next piece continues a line that was already partly emitted.
    continuing: bool,
}

/// Carry capacity kept after a line completes; larger buffers are released.
const CARRY_KEEP: usize = 1024;

impl LineSplitter {
    /// Feeds bytes read from the stream; `emit(piece, continued)` gets every
    /// complete line or full-size piece, without the newline.
    pub(crate) fn feed(&mut self, mut data: &[u8], emit: &mut dyn FnMut(&[u8], bool)) {
        while !data.is_empty() {
            let newline = memchr::memchr(b'\n', data);
            let end = newline.unwrap_or(data.len());
            self.take(&data[..end], newline.is_some(), emit);
            data = match newline {
                Some(index) => &data[index + 1..],
                None => &[],
            };
        }
    }

    /// Emits what is left of a line without a newline, at end of stream.
    pub(crate) fn finish(&mut self, emit: &mut dyn FnMut(&[u8], bool)) {
        if !self.carry.is_empty() {
            emit(&self.carry, self.continuing);
        }
        self.reset();
    }

    /// Takes the bytes of one line up to `part`'s end; `complete` when a newline followed.
    fn take(&mut self, mut part: &[u8], complete: bool, emit: &mut dyn FnMut(&[u8], bool)) {
        // A full carry is emitted only once more bytes of the same line arrive,
        // so a line of exactly LINE_CAP bytes is not followed by an empty piece.
        while !part.is_empty() {
            if self.carry.len() == LINE_CAP {
                emit(&self.carry, self.continuing);
                self.carry.clear();
                self.continuing = true;
            }
            if self.carry.is_empty() && part.len() > LINE_CAP {
                emit(&part[..LINE_CAP], self.continuing);
                self.continuing = true;
                part = &part[LINE_CAP..];
                continue;
            }
            if self.carry.is_empty() && complete {
                emit(part, self.continuing);
                self.reset();
                return;
            }
            let room = (LINE_CAP - self.carry.len()).min(part.len());
            self.carry.extend_from_slice(&part[..room]);
            part = &part[room..];
        }
        if complete {
            emit(&self.carry, self.continuing);
            self.reset();
        }
    }

    fn reset(&mut self) {
        self.carry.clear();
        self.carry.shrink_to(CARRY_KEEP);
        self.continuing = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(chunks: &[&[u8]]) -> Vec<(Vec<u8>, bool)> {
        let mut splitter = LineSplitter::default();
        let mut lines = Vec::new();
        let mut emit = |piece: &[u8], continued: bool| lines.push((piece.to_vec(), continued));
        for chunk in chunks {
            splitter.feed(chunk, &mut emit);
        }
        splitter.finish(&mut emit);
        lines
    }

    #[test]
    fn split_lines_across_chunks() {
        let lines = split(&[b"a\nbc", b"d\n\ne", b"f"]);
        let expected: Vec<(Vec<u8>, bool)> = vec![
            (b"a".to_vec(), false),
            (b"bcd".to_vec(), false),
            (b"".to_vec(), false),
            (b"ef".to_vec(), false),
        ];
        assert_eq!(lines, expected);
    }

    #[test]
    fn split_long_line_marked() {
        let long = vec![b'x'; LINE_CAP * 2 + 5];
        let mut input = long.clone();
        input.push(b'\n');
        for chunks in [vec![&input[..]], input.chunks(1000).collect::<Vec<_>>()] {
            let lines = split(&chunks);
            let sizes: Vec<(usize, bool)> = lines.iter().map(|(l, c)| (l.len(), *c)).collect();
            assert_eq!(sizes, vec![(LINE_CAP, false), (LINE_CAP, true), (5, true)]);
        }
    }

    #[test]
    fn split_exact_cap_is_one_piece() {
        let mut input = vec![b'y'; LINE_CAP];
        input.push(b'\n');
        input.extend_from_slice(b"next\n");
        for chunks in [vec![&input[..]], input.chunks(4096).collect::<Vec<_>>()] {
            let lines = split(&chunks);
            let sizes: Vec<(usize, bool)> = lines.iter().map(|(l, c)| (l.len(), *c)).collect();
            assert_eq!(sizes, vec![(LINE_CAP, false), (4, false)]);
        }
    }

    #[test]
    fn split_keeps_partial_last_line() {
        let lines = split(&[b"one\ntwo"]);
        assert_eq!(lines.last().unwrap(), &(b"two".to_vec(), false));
    }
}
