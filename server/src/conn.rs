//! The connections `repere serve` accepts: bounded, and never kept for a client
//! that says nothing.
//!
//! - At start the process's open-file limit is raised to what the system allows
//!   (`rlimit`); the server then keeps at most [`ConnLimits::total`] connections
//!   (that limit less a reserve for the store's files) and
//!   [`ConnLimits::per_address`] per client address.
//! - A connection must send its first bytes within [`ConnLimits::silent`] and
//!   may not stay idle (nothing read or written) longer than
//!   [`ConnLimits::idle`]: then the server closes it.
//! - When a limit is reached, the oldest connection that has not sent a byte
//!   is closed to make room (a client that opens hundreds of silent sockets only
//!   pushes out its own); when every connection has spoken, the new one is
//!   closed at once. Either way the accept loop goes on and `/api/health`
//!   answers.

use std::collections::HashMap;
use std::future::Future;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::{Instant, Sleep};

/// The limits of [`Guarded`].
#[derive(Clone, Copy, Debug)]
pub struct ConnLimits {
    /// Connections kept at most.
    pub total: usize,
    /// Connections kept at most per client address.
    pub per_address: usize,
    /// Time a new connection has to send its first bytes.
    pub silent: Duration,
    /// Time a connection may stay without reading or writing anything.
    pub idle: Duration,
}

/// Files kept free for the store, logs and the app's files.
const RESERVE: u64 = 256;

impl ConnLimits {
    /// Raises the open-file limit as far as allowed and derives the limits from
    /// it.
    pub fn from_system() -> Self {
        let files = match rlimit::increase_nofile_limit(u64::MAX) {
            Ok(n) => n,
            Err(e) => {
                tracing::warn!(error = %e, "open-file limit not raised");
                1024
            }
        };
        let total = usize::try_from(files.saturating_sub(RESERVE).clamp(64, 16_384)).unwrap_or(64);
        ConnLimits {
            total,
            per_address: total.min(256),
            silent: Duration::from_secs(10),
            idle: Duration::from_secs(120),
        }
    }
}

#[derive(Default)]
struct ConnState {
    spoke: AtomicBool,
    evict: AtomicBool,
    waker: Mutex<Option<Waker>>,
}

impl ConnState {
    fn close(&self) {
        self.evict.store(true, Ordering::SeqCst);
        if let Some(w) = self
            .waker
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
        {
            w.wake();
        }
    }
}

struct Entry {
    ip: IpAddr,
    order: u64,
    state: Arc<ConnState>,
}

#[derive(Default)]
struct Registry {
    conns: Mutex<HashMap<u64, Entry>>,
    next: AtomicU64,
}

impl Registry {
    /// Makes room for a new connection from `ip`: `false` if there is none.
    fn admit(&self, ip: IpAddr, limits: &ConnLimits) -> bool {
        let conns = self.conns.lock().unwrap_or_else(PoisonError::into_inner);
        let of_ip = conns.values().filter(|e| e.ip == ip).count();
        let oldest_silent = |same_ip: bool| {
            conns
                .values()
                .filter(|e| !same_ip || e.ip == ip)
                .filter(|e| !e.state.spoke.load(Ordering::SeqCst))
                .filter(|e| !e.state.evict.load(Ordering::SeqCst))
                .min_by_key(|e| e.order)
                .map(|e| e.state.clone())
        };
        let victim = if of_ip >= limits.per_address {
            Some(oldest_silent(true))
        } else if conns.len() >= limits.total {
            Some(oldest_silent(false))
        } else {
            None
        };
        match victim {
            None => true,
            Some(Some(state)) => {
                state.close();
                true
            }
            Some(None) => false,
        }
    }
}

/// A TCP listener that applies [`ConnLimits`] (an `axum::serve::Listener`).
pub struct Guarded {
    inner: TcpListener,
    limits: ConnLimits,
    registry: Arc<Registry>,
}

impl Guarded {
    /// Wraps a bound listener.
    pub fn new(inner: TcpListener, limits: ConnLimits) -> Self {
        Guarded {
            inner,
            limits,
            registry: Arc::new(Registry::default()),
        }
    }
}

impl axum::serve::Listener for Guarded {
    type Io = GuardedStream;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            let (stream, addr) = match self.inner.accept().await {
                Ok(x) => x,
                Err(e) => {
                    // Out of files or a connection reset before accept: wait a
                    // little, never spin.
                    tracing::error!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            };
            if !self.registry.admit(addr.ip(), &self.limits) {
                tracing::warn!("connection refused: too many open connections");
                drop(stream);
                continue;
            }
            let _ = stream.set_nodelay(true);
            let id = self.registry.next.fetch_add(1, Ordering::SeqCst);
            let state = Arc::new(ConnState::default());
            self.registry
                .conns
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .insert(
                    id,
                    Entry {
                        ip: addr.ip(),
                        order: id,
                        state: state.clone(),
                    },
                );
            let io = GuardedStream {
                inner: stream,
                id,
                registry: self.registry.clone(),
                state,
                deadline: Box::pin(tokio::time::sleep(self.limits.silent)),
                idle: self.limits.idle,
            };
            return (io, addr);
        }
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        self.inner.local_addr()
    }
}

/// A connection of [`Guarded`]: reads end (EOF) when it is closed to make room
/// or its deadline passes.
pub struct GuardedStream {
    inner: TcpStream,
    id: u64,
    registry: Arc<Registry>,
    state: Arc<ConnState>,
    deadline: Pin<Box<Sleep>>,
    idle: Duration,
}

impl GuardedStream {
    fn active(&mut self) {
        let next = Instant::now() + self.idle;
        self.deadline.as_mut().reset(next);
    }
}

impl Drop for GuardedStream {
    fn drop(&mut self) {
        self.registry
            .conns
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&self.id);
    }
}

impl AsyncRead for GuardedStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if self.state.evict.load(Ordering::SeqCst) {
            return Poll::Ready(Ok(()));
        }
        let before = buf.filled().len();
        match Pin::new(&mut self.inner).poll_read(cx, buf) {
            Poll::Ready(Ok(())) => {
                if buf.filled().len() > before {
                    self.state.spoke.store(true, Ordering::SeqCst);
                    self.active();
                }
                Poll::Ready(Ok(()))
            }
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            Poll::Pending => {
                *self
                    .state
                    .waker
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner) = Some(cx.waker().clone());
                if self.state.evict.load(Ordering::SeqCst) {
                    return Poll::Ready(Ok(()));
                }
                match self.deadline.as_mut().poll(cx) {
                    // Silent or idle too long: the client has gone, or never came.
                    Poll::Ready(()) => Poll::Ready(Ok(())),
                    Poll::Pending => Poll::Pending,
                }
            }
        }
    }
}

impl AsyncWrite for GuardedStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let r = Pin::new(&mut self.inner).poll_write(cx, buf);
        if matches!(r, Poll::Ready(Ok(n)) if n > 0) {
            self.active();
        }
        r
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let r = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        if matches!(r, Poll::Ready(Ok(n)) if n > 0) {
            self.active();
        }
        r
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    fn limits(total: usize, per_address: usize) -> ConnLimits {
        ConnLimits {
            total,
            per_address,
            silent: Duration::from_secs(30),
            idle: Duration::from_secs(30),
        }
    }

    #[tokio::test(flavor = "current_thread", start_paused = true)]
    async fn silent_connections_make_room_and_time_out() {
        use axum::serve::Listener as _;
        let tcp = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = tcp.local_addr().expect("addr");
        let mut l = Guarded::new(tcp, limits(100, 3));
        // Three silent clients fill the address's room.
        let mut clients = Vec::new();
        let mut served = Vec::new();
        for _ in 0..3 {
            clients.push(TcpStream::connect(addr).await.expect("connect"));
            served.push(l.accept().await.0);
        }
        // A fourth that speaks: the oldest silent one is closed for it.
        let mut talker = TcpStream::connect(addr).await.expect("connect");
        let (mut fourth, _) = l.accept().await;
        talker.write_all(b"GET").await.expect("write");
        let mut buf = [0u8; 8];
        assert_eq!(fourth.read(&mut buf).await.expect("read"), 3);
        assert_eq!(
            served[0].read(&mut buf).await.expect("read"),
            0,
            "closed to make room"
        );
        assert!(served[0].state.evict.load(Ordering::SeqCst));
        assert!(!served[1].state.evict.load(Ordering::SeqCst));
        // A silent one ends when its time is up (the clock is paused: no waiting).
        assert_eq!(served[1].read(&mut buf).await.expect("read"), 0);
        drop(served);
        assert_eq!(
            l.registry.conns.lock().expect("lock").len(),
            1,
            "dropped connections leave the registry"
        );
        drop(clients);
    }

    #[test]
    fn no_room_when_everyone_spoke() {
        let r = Registry::default();
        let ip: IpAddr = "127.0.0.1".parse().expect("ip");
        let l = limits(2, 2);
        for id in 0..2 {
            let state = Arc::new(ConnState::default());
            state.spoke.store(true, Ordering::SeqCst);
            r.conns.lock().expect("lock").insert(
                id,
                Entry {
                    ip,
                    order: id,
                    state,
                },
            );
        }
        assert!(!r.admit(ip, &l));
        let other: IpAddr = "127.0.0.2".parse().expect("ip");
        assert!(!r.admit(other, &l), "the total is reached too");
    }
}
