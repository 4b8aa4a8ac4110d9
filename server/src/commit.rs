//! Group commit: a result is acknowledged only once a flush that includes its write
//! has returned, and concurrent requests share flushes.
//!
//! A request writes its records, then takes a ticket (a counter incremented under a
//! mutex) and waits. One flusher thread loops: it reads the highest ticket, flushes
//! the store (`fsync`), and publishes that ticket as durable. Every write that took
//! a ticket before the flusher read the counter happened before the flush started,
//! so it is on disk when its ticket is published. While one flush runs, new tickets
//! pile up and the next flush covers them all: one `fsync` per batch, not per
//! request.

use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::thread;

use tokio::sync::watch;

use crate::store::Store;

/// What the flusher has made durable so far.
#[derive(Clone, Debug, Default)]
struct Flushed {
    /// Every ticket up to this one is durable.
    upto: u64,
    /// The last failed flush: tickets up to `.0` (and above `upto`) failed with `.1`.
    failed: Option<(u64, String)>,
}

#[derive(Default)]
struct Pending {
    issued: u64,
    shutdown: bool,
}

/// The group committer of one store.
pub struct GroupCommit {
    pending: Mutex<Pending>,
    wake: Condvar,
    flushed: watch::Receiver<Flushed>,
    /// When false (bench baseline only), `commit` returns at once without flushing.
    durable: bool,
}

impl GroupCommit {
    /// Starts the flusher thread for `store`. With `durable = false` nothing is
    /// flushed on commit (sled still flushes on its own every 500 ms): only the
    /// benchmark's baseline uses that.
    pub fn start(store: Arc<dyn Store>, durable: bool) -> std::io::Result<Arc<Self>> {
        let (tx, rx) = watch::channel(Flushed::default());
        let gc = Arc::new(GroupCommit {
            pending: Mutex::new(Pending::default()),
            wake: Condvar::new(),
            flushed: rx,
            durable,
        });
        if durable {
            let me = Arc::clone(&gc);
            thread::Builder::new()
                .name("repere-flush".into())
                .spawn(move || me.flusher(store, tx))?;
        }
        Ok(gc)
    }

    fn flusher(&self, store: Arc<dyn Store>, tx: watch::Sender<Flushed>) {
        let mut done = 0u64;
        loop {
            let target = {
                let mut p = self.pending.lock().unwrap_or_else(PoisonError::into_inner);
                while p.issued == done && !p.shutdown {
                    p = self.wake.wait(p).unwrap_or_else(PoisonError::into_inner);
                }
                if p.issued == done && p.shutdown {
                    return;
                }
                p.issued
            };
            match store.flush() {
                Ok(()) => {
                    done = target;
                    tx.send_modify(|f| f.upto = target);
                }
                Err(e) => {
                    tracing::error!(error = %e, "flush failed: the waiting results are refused");
                    done = target;
                    tx.send_modify(|f| f.failed = Some((target, e.to_string())));
                }
            }
        }
    }

    /// Waits until every write made before this call is durable.
    pub async fn commit(&self) -> Result<(), String> {
        if !self.durable {
            return Ok(());
        }
        let ticket = {
            let mut p = self.pending.lock().unwrap_or_else(PoisonError::into_inner);
            p.issued += 1;
            p.issued
        };
        self.wake.notify_one();
        let mut rx = self.flushed.clone();
        let state = rx
            .wait_for(|f| f.upto >= ticket || f.failed.as_ref().is_some_and(|(t, _)| *t >= ticket))
            .await
            .map_err(|_| "the flusher stopped".to_string())?
            .clone();
        if state.upto >= ticket {
            Ok(())
        } else {
            Err(state.failed.map(|(_, e)| e).unwrap_or_default())
        }
    }

    /// Stops the flusher after the flushes already asked for.
    pub fn shutdown(&self) {
        self.pending
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .shutdown = true;
        self.wake.notify_one();
    }
}
