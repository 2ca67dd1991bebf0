//! The one card session: requests wait in a bounded queue and one thread
//! runs them in turn, so the APDUs of two requests never interleave.
//! A request that waited past its deadline is answered `timeout` without
//! touching the card; a full queue is answered `busy` at once.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tokio::sync::{mpsc, oneshot};

use crate::error::Refusal;
use crate::request::Request;

struct Job {
    req: Request,
    deadline: Instant,
    reply: oneshot::Sender<Value>,
}

/// Counts for `/api/status` and the tests.
#[derive(Default)]
pub struct Counts {
    /// Requests the card thread ran.
    pub ran: AtomicU64,
    /// Requests refused or timed out before they ran.
    pub refused: AtomicU64,
}

/// The queue in front of the card.
pub struct Card {
    tx: mpsc::Sender<Job>,
    timeout: Duration,
    /// The counts.
    pub counts: Arc<Counts>,
}

impl Card {
    /// Starts the card thread with room for `queue` waiting requests, each
    /// given `timeout` from its arrival.
    pub fn start(queue: usize, timeout: Duration) -> Self {
        let (tx, mut rx) = mpsc::channel::<Job>(queue);
        let counts = Arc::new(Counts::default());
        let c = counts.clone();
        std::thread::Builder::new()
            .name("sscard-card".into())
            .spawn(move || {
                while let Some(job) = rx.blocking_recv() {
                    if Instant::now() > job.deadline || job.reply.is_closed() {
                        c.refused.fetch_add(1, Ordering::Relaxed);
                        let _ = job.reply.send(Refusal::Timeout.json(
                            "the request waited for the card past its timeout and was not run",
                        ));
                        continue;
                    }
                    let started = Instant::now();
                    let v = job.req.execute();
                    c.ran.fetch_add(1, Ordering::Relaxed);
                    // Names and codes only: never the output, which holds personal data.
                    log::info!(
                        "{}: code {} in {} ms",
                        job.req.name(),
                        v["code"],
                        started.elapsed().as_millis()
                    );
                    let _ = job.reply.send(v);
                }
            })
            .map(|_| ())
            .unwrap_or_else(|e| log::error!("the card thread did not start: {e}"));
        Self {
            tx,
            timeout,
            counts,
        }
    }

    /// Runs `req` on the card in its turn: its answer, or `busy` when the
    /// queue is full, or `timeout`.
    pub async fn run(&self, req: Request) -> Value {
        let (reply, rx) = oneshot::channel();
        let job = Job {
            req,
            deadline: Instant::now() + self.timeout,
            reply,
        };
        if self.tx.try_send(job).is_err() {
            self.counts.refused.fetch_add(1, Ordering::Relaxed);
            return Refusal::Busy.json("too many requests are waiting for the card; try again");
        }
        match tokio::time::timeout(self.timeout, rx).await {
            Ok(Ok(v)) => v,
            Ok(Err(_)) => Refusal::Busy.json("the card thread stopped"),
            Err(_) => Refusal::Timeout.json(&format!(
                "no answer within {:.2} s; the operation may still complete (a debit is in the terminal journal: iReadDebitRecord)",
                self.timeout.as_secs_f64()
            )),
        }
    }

    /// The status: counts and requests waiting.
    pub fn status(&self) -> Value {
        json!({
            "ran": self.counts.ran.load(Ordering::Relaxed),
            "refused": self.counts.refused.load(Ordering::Relaxed),
            "waiting": self.tx.max_capacity() - self.tx.capacity(),
        })
    }
}
