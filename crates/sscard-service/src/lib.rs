//! `sscard serve`: the reader interface of spec 05 (the same behaviour as
//! `libssse32`, from the same code: [`ssse32::named`]) and typed card
//! operations as JSON over HTTP and WebSocket, on 127.0.0.1 and ::1 only,
//! for hospital and pharmacy systems that run in a browser
//! (`docs/service.md`).
//!
//! ```no_run
//! # async fn f() -> Result<(), sscard_service::ServiceError> {
//! let running = sscard_service::start(std::path::Path::new("ssse32.toml")).await?;
//! println!("listening on port {}", running.port());
//! running.wait().await;
//! # Ok(()) }
//! ```

pub mod error;
pub mod gate;
pub mod request;
pub mod routes;
pub mod settings;
pub mod worker;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

pub use error::{Refusal, ServiceError};
pub use settings::Settings;

/// A running service.
pub struct Running {
    port: u16,
    addrs: Vec<std::net::SocketAddr>,
    stop: tokio::sync::watch::Sender<bool>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Running {
    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The addresses it listens on (127.0.0.1, and ::1 when the host has it).
    pub fn addrs(&self) -> &[std::net::SocketAddr] {
        &self.addrs
    }

    /// Stops it: no new connections, open ones closed.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        for t in self.tasks {
            let _ = t.await;
        }
    }

    /// Runs until it is stopped (Ctrl-C, SIGTERM).
    pub async fn wait(self) {
        shutdown_signal().await;
        log::info!("stopping");
        self.stop().await;
    }
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// Runs the service of `config` until Ctrl-C or SIGTERM, logging to
/// standard error (`sscard serve`): a runtime of its own, the addresses and
/// the token file announced first.
///
/// # Errors
/// As [`start`]; a runtime that cannot start.
pub fn run(config: &Path) -> Result<(), ServiceError> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| ServiceError::Config(format!("runtime: {e}")))?;
    rt.block_on(async {
        let running = start(config).await?;
        let s = Settings::load(config)?;
        eprintln!(
            "sscard serve: listening on {} (token in {}; pages allowed: {})",
            running
                .addrs()
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(" and "),
            s.token_file.display(),
            if s.allowed_origins.is_empty() {
                "only the service's own".to_owned()
            } else {
                s.allowed_origins.join(", ")
            }
        );
        running.wait().await;
        Ok(())
    })
}

/// A logger to standard error at `level`, for `sscard serve`: the
/// service's own lines (function names, codes, refusals), never a card's
/// data.
pub fn log_to_stderr(level: log::LevelFilter) {
    struct Stderr;
    impl log::Log for Stderr {
        fn enabled(&self, m: &log::Metadata<'_>) -> bool {
            m.target().starts_with("sscard_service")
        }
        fn log(&self, r: &log::Record<'_>) {
            if self.enabled(r.metadata()) {
                eprintln!("sscard serve: {} {}", r.level(), r.args());
            }
        }
        fn flush(&self) {}
    }
    static LOGGER: Stderr = Stderr;
    if log::set_logger(&LOGGER).is_ok() {
        log::set_max_level(level);
    }
}

/// Starts the service of the configuration file `config` (the library's
/// settings and a `[service]` table): the calls read that file as
/// `libssse32` reads `ssse32.toml`.
///
/// # Errors
/// [`ServiceError`] for bad settings, a token file that cannot be made, a
/// port already taken on 127.0.0.1.
pub async fn start(config: &Path) -> Result<Running, ServiceError> {
    let settings = Settings::load(config)?;
    let token = settings::token(&settings.token_file)?;
    let config = std::fs::canonicalize(config)
        .map_err(|e| ServiceError::Config(format!("{}: {e}", config.display())))?;
    // Chosen once per process; a second service in the same process (a
    // test) reads the same file or is told.
    if ssse32::config::use_file(config.clone()).is_err() {
        log::warn!("the configuration file was chosen already in this process");
    }
    let listen = |addr: std::net::SocketAddr| async move {
        tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|e| ServiceError::Listen {
                addr: addr.to_string(),
                reason: e.to_string(),
            })
    };
    let v4 = listen((std::net::Ipv4Addr::LOCALHOST, settings.port).into()).await?;
    let port = v4
        .local_addr()
        .map_err(|e| ServiceError::Listen {
            addr: "127.0.0.1".into(),
            reason: e.to_string(),
        })?
        .port();
    let mut listeners = vec![v4];
    match listen((std::net::Ipv6Addr::LOCALHOST, port).into()).await {
        Ok(l) => listeners.push(l),
        Err(e) => log::warn!("{e}; serving on 127.0.0.1 only"),
    }
    let shared = Arc::new(routes::Shared {
        gate: gate::Gate::new(
            port,
            &settings.allowed_origins,
            token,
            settings.requests_per_minute,
        ),
        card: worker::Card::start(
            settings.queue,
            Duration::from_secs_f64(settings.timeout_seconds),
        ),
    });
    let app = routes::router(shared);
    let (stop, rx) = tokio::sync::watch::channel(false);
    let mut addrs = Vec::new();
    let mut tasks = Vec::new();
    for l in listeners {
        if let Ok(a) = l.local_addr() {
            addrs.push(a);
        }
        let mut rx = rx.clone();
        let app = app.clone();
        tasks.push(tokio::spawn(async move {
            let server = axum::serve(l, app).with_graceful_shutdown(async move {
                let _ = rx.wait_for(|stop| *stop).await;
            });
            if let Err(e) = server.await {
                log::error!("server: {e}");
            }
        }));
    }
    log::info!(
        "listening on {}",
        addrs
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(" and ")
    );
    Ok(Running {
        port,
        addrs,
        stop,
        tasks,
    })
}
