//! The capture pump of one run: reads the stdout and stderr pipes as data
//! arrives and hands every line to the log file, the tail ring and the
//! subscribers. Only the file write can slow the child down (by leaving the
//! pipe unread meanwhile); subscribers that lag lose lines, not the file.

use std::cell::RefCell;
use std::io;
use std::os::fd::OwnedFd;
use std::sync::Arc;

use tokio::io::Interest;
use tokio::io::unix::{AsyncFd, AsyncFdReadyGuard};

use super::Shared;
use super::format::{Clock, format_millis, tag};
use super::split::LineSplitter;
use crate::event::{LogLine, Stream};

/// Bytes read per system call, from a buffer shared by all pumps on a thread.
const READ_SIZE: usize = 64 * 1024;
/// Reads from one stream before the other gets a turn.
const READS_PER_TURN: usize = 16;

thread_local! {
    static READ_BUFFER: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

struct StreamPump {
    stream: Stream,
    fd: AsyncFd<OwnedFd>,
    splitter: LineSplitter,
    done: bool,
}

impl StreamPump {
    fn new(stream: Stream, fd: OwnedFd) -> io::Result<StreamPump> {
        nix::fcntl::fcntl(&fd, nix::fcntl::FcntlArg::F_SETFL(nix::fcntl::OFlag::O_NONBLOCK))?;
        // SAFETY: the pump owns the descriptor, so it stays open and unchanged
        // for as long as the registration exists.
        let fd = unsafe { AsyncFd::register_with_interest(fd, Interest::READABLE) }
            .map_err(|error| error.into_parts().1)?;
        Ok(StreamPump { stream, fd, splitter: LineSplitter::default(), done: false })
    }
}

/// Pumps both streams until each has reached end of file.
pub(crate) async fn run(shared: Arc<Shared>, stdout: OwnedFd, stderr: OwnedFd) {
    let pumps = StreamPump::new(Stream::Out, stdout)
        .and_then(|out| Ok((out, StreamPump::new(Stream::Err, stderr)?)));
    let (mut out, mut err) = match pumps {
        Ok(pumps) => pumps,
        Err(error) => {
            tracing::error!(component = %shared.name, %error, "could not watch the output pipes; output is not captured");
            return;
        }
    };
    let mut clock = Clock::default();

    while !(out.done && err.done) {
        tokio::select! {
            ready = out.fd.readable(), if !out.done => {
                drain(&shared, &mut clock, ready, &mut out.splitter, out.stream, &mut out.done)
            }
            ready = err.fd.readable(), if !err.done => {
                drain(&shared, &mut clock, ready, &mut err.splitter, err.stream, &mut err.done)
            }
        }
    }
    shared.file().flush();
}

/// Reads the pipe's pending data (up to a turn's worth) and writes out the lines.
/// Flushes the file once the pipe has nothing more to read.
fn drain(
    shared: &Shared,
    clock: &mut Clock,
    ready: io::Result<AsyncFdReadyGuard<'_, OwnedFd>>,
    splitter: &mut LineSplitter,
    stream: Stream,
    done: &mut bool,
) {
    let mut guard = match ready {
        Ok(guard) => guard,
        Err(error) => {
            tracing::error!(component = %shared.name, ?stream, %error, "waiting on an output pipe failed");
            *done = true;
            return;
        }
    };
    READ_BUFFER.with_borrow_mut(|buffer| {
        buffer.resize(READ_SIZE, 0);
        for _ in 0..READS_PER_TURN {
            match guard.try_io(|fd| nix::unistd::read(fd.get_ref(), buffer).map_err(io::Error::from)) {
                Ok(Ok(0)) => {
                    emit_lines(shared, clock, stream, |emit| splitter.finish(emit));
                    *done = true;
                    shared.file().flush();
                    return;
                }
                Ok(Ok(read)) => {
                    let chunk = &buffer[..read];
                    emit_lines(shared, clock, stream, |emit| splitter.feed(chunk, emit));
                }
                Ok(Err(error)) if error.kind() == io::ErrorKind::Interrupted => {}
                Ok(Err(error)) => {
                    tracing::error!(component = %shared.name, ?stream, %error, "reading an output pipe failed");
                    emit_lines(shared, clock, stream, |emit| splitter.finish(emit));
                    *done = true;
                    return;
                }
                Err(_would_block) => {
                    shared.file().flush();
                    return;
                }
            }
        }
    });
}

/// Runs `split` with an emitter that writes each line to the file, the ring
/// and (when anyone listens) the subscribers, then checks for rotation.
fn emit_lines(
    shared: &Shared,
    clock: &mut Clock,
    stream: Stream,
    split: impl FnOnce(&mut dyn FnMut(&[u8], bool)),
) {
    let settings = shared.settings();
    let listeners = shared.listeners();
    // Lock order everywhere: file, then ring.
    let mut file = shared.file();
    let mut ring = shared.ring();
    split(&mut |bytes, continued| {
        let (millis, prefix) = clock.now();
        file.write_line(prefix, tag(stream, continued), bytes);
        ring.push(stream, continued, millis, bytes);
        if let Some(listeners) = &listeners {
            // An error only means every receiver is gone.
            let _ = listeners.send(LogLine {
                component: shared.name.clone(),
                stream,
                at: format_millis(millis),
                text: String::from_utf8_lossy(bytes).into_owned(),
                continued,
            });
        }
    });
    file.check_rotation(&settings);
}
