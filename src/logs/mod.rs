//! Component output: capture pumps, the per-component log file and an
//! in-memory tail for the UI and diagnosis.
//!
//! NOTE: a minimal placeholder with the final interface; the full version
//! (rotation, line cap, back-pressure tuning) replaces it.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWriteExt, BufReader};
use tokio::sync::broadcast;
use tokio::task::JoinHandle;

use crate::config::LogSettings;
use crate::event::{LogLine, Stream};

const TAIL_LINES: usize = 2000;

struct Shared {
    name: String,
    path: PathBuf,
    tail: Mutex<VecDeque<(Stream, Vec<u8>, String)>>,
    lines: broadcast::Sender<LogLine>,
    file: tokio::sync::Mutex<Option<tokio::fs::File>>,
}

#[derive(Clone)]
pub struct ComponentLog {
    shared: Arc<Shared>,
}

impl ComponentLog {
    pub fn open(
        name: &str,
        logs_dir: &Path,
        _settings: LogSettings,
    ) -> std::io::Result<ComponentLog> {
        std::fs::create_dir_all(logs_dir)?;
        let path = logs_dir.join(format!("{name}.log"));
        let (lines, _) = broadcast::channel(1024);
        Ok(ComponentLog {
            shared: Arc::new(Shared {
                name: name.to_string(),
                path,
                tail: Mutex::new(VecDeque::new()),
                lines,
                file: tokio::sync::Mutex::new(None),
            }),
        })
    }

    pub fn attach<O, E>(&self, stdout: O, stderr: E) -> JoinHandle<()>
    where
        O: AsyncRead + Unpin + Send + 'static,
        E: AsyncRead + Unpin + Send + 'static,
    {
        let out = tokio::spawn(pump(self.shared.clone(), Stream::Out, stdout));
        let err = tokio::spawn(pump(self.shared.clone(), Stream::Err, stderr));
        tokio::spawn(async move {
            let _ = out.await;
            let _ = err.await;
        })
    }

    pub fn tail(&self, n: usize) -> Vec<LogLine> {
        let tail = self.shared.tail.lock().unwrap();
        let skip = tail.len().saturating_sub(n);
        tail.iter()
            .skip(skip)
            .map(|(stream, bytes, at)| LogLine {
                component: self.shared.name.clone(),
                stream: *stream,
                at: at.clone(),
                text: String::from_utf8_lossy(bytes).into_owned(),
                continued: false,
            })
            .collect()
    }

    pub fn tail_lines(&self, max_bytes: usize) -> Vec<(Stream, Vec<u8>)> {
        let tail = self.shared.tail.lock().unwrap();
        let mut total = 0;
        let mut lines: Vec<_> = tail
            .iter()
            .rev()
            .take_while(|(_, bytes, _)| {
                total += bytes.len();
                total <= max_bytes
            })
            .map(|(stream, bytes, _)| (*stream, bytes.clone()))
            .collect();
        lines.reverse();
        lines
    }

    pub fn subscribe(&self) -> broadcast::Receiver<LogLine> {
        self.shared.lines.subscribe()
    }

    pub fn path(&self) -> &Path {
        &self.shared.path
    }

    pub fn set_settings(&self, _settings: LogSettings) {}
}

async fn pump<R: AsyncRead + Unpin>(shared: Arc<Shared>, stream: Stream, reader: R) {
    let mut reader = BufReader::new(reader);
    let mut line = Vec::new();
    loop {
        line.clear();
        match reader.read_until(b'\n', &mut line).await {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
        if line.last() == Some(&b'\n') {
            line.pop();
        }
        let at = humantime::format_rfc3339_millis(std::time::SystemTime::now()).to_string();
        let marker = if stream == Stream::Out { "out" } else { "err" };
        {
            let mut file = shared.file.lock().await;
            if file.is_none() {
                *file = tokio::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(&shared.path)
                    .await
                    .ok();
            }
            if let Some(file) = file.as_mut() {
                let mut record = format!("{at} {marker} ").into_bytes();
                record.extend_from_slice(&line);
                record.push(b'\n');
                let _ = file.write_all(&record).await;
            }
        }
        let text = String::from_utf8_lossy(&line).into_owned();
        let _ = shared.lines.send(LogLine {
            component: shared.name.clone(),
            stream,
            at: at.clone(),
            text,
            continued: false,
        });
        let mut tail = shared.tail.lock().unwrap();
        tail.push_back((stream, line.clone(), at));
        if tail.len() > TAIL_LINES {
            tail.pop_front();
        }
    }
}
