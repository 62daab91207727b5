//! The publish lock: a small JSON object (`.omnipack/lock`) naming its holder,
//! created with a conditional put (`PutMode::Create`: a hard link on a local
//! directory, `If-None-Match: *` on S3) so that of two publishers exactly one
//! creates it.
//!
//! Stores that ignore `If-None-Match` (answering 200 and overwriting) would
//! let both in; to narrow that to a race of a few milliseconds the lock is
//! also looked for before the put, and read back after it: a publisher whose
//! random token is not the one stored has lost. Stores that refuse
//! conditional puts outright (`NotImplemented`) get the same look-put-read
//! sequence with a plain put: a documented best effort.

use std::sync::Arc;

use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, ObjectStoreExt, PutMode, PutOptions, PutPayload};
use serde::{Deserialize, Serialize};

use crate::error::{Result, StoreError};
use crate::plan::LOCK_KEY;

/// What the lock object says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LockInfo {
    /// Host name of the holder.
    pub host: String,
    /// Process id of the holder.
    pub pid: u32,
    /// User name of the holder.
    pub user: String,
    /// Unix time the lock was taken.
    pub since: u64,
    /// The same time, RFC 2822 UTC, for people.
    pub since_text: String,
    /// A random token that tells this holder's lock from another's.
    pub token: String,
}

impl LockInfo {
    /// This process's lock info, taken now.
    pub fn here(now: u64) -> LockInfo {
        let host = this_host();
        let user = std::env::var("USER")
            .or_else(|_| std::env::var("LOGNAME"))
            .unwrap_or_else(|_| "unknown-user".into());
        LockInfo {
            host,
            pid: std::process::id(),
            user,
            since: now,
            since_text: omnipack_core::time::rfc2822(now, "+0000"),
            token: omnipack_core::hex(&rand::random::<[u8; 16]>()),
        }
    }

    /// Whether the holder is a process of this host that no longer runs (a
    /// publish killed with SIGKILL or by a crash): its lock can be taken
    /// over. A pid that was reused since counts as running (the safe side);
    /// a zombie does not ([`omnipack_core::cleanup::pid_alive`]).
    pub fn is_stale_here(&self) -> bool {
        self.pid != 0 && self.host == this_host() && !omnipack_core::cleanup::pid_alive(self.pid)
    }

    /// `user@host (pid N)`.
    pub fn holder(&self) -> String {
        format!("{}@{} (pid {})", self.user, self.host, self.pid)
    }
}

/// This machine's host name, as lock objects record it.
fn this_host() -> String {
    fs_err::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_owned())
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "unknown-host".into())
}

fn key() -> ObjectPath {
    ObjectPath::from(LOCK_KEY)
}

fn store_err(dest: &str, action: &'static str, source: object_store::Error) -> StoreError {
    StoreError::Store {
        dest: dest.to_owned(),
        action,
        key: LOCK_KEY.to_owned(),
        source: Box::new(source),
    }
}

/// Reads the lock object, if any.
pub async fn read(store: &Arc<dyn ObjectStore>, dest: &str) -> Result<Option<LockInfo>> {
    match store.get(&key()).await {
        Ok(r) => {
            let bytes = r.bytes().await.map_err(|e| store_err(dest, "read", e))?;
            Ok(Some(serde_json::from_slice(&bytes).unwrap_or_else(|_| {
                LockInfo {
                    host: "unknown (unreadable lock)".into(),
                    pid: 0,
                    user: "unknown".into(),
                    since: 0,
                    since_text: "an unknown time".into(),
                    token: String::new(),
                }
            })))
        }
        Err(object_store::Error::NotFound { .. }) => Ok(None),
        Err(e) => Err(store_err(dest, "read", e)),
    }
}

fn locked(dest: &str, held: &LockInfo) -> StoreError {
    StoreError::Locked {
        dest: dest.to_owned(),
        holder: held.holder(),
        since: held.since_text.clone(),
    }
}

/// Takes the lock or fails naming the holder. Returns whether the store
/// honoured the conditional put (false: the best-effort path was used).
pub async fn acquire(store: &Arc<dyn ObjectStore>, dest: &str, me: &LockInfo) -> Result<bool> {
    if let Some(held) = read(store, dest).await? {
        return Err(locked(dest, &held));
    }
    let body = serde_json::to_vec_pretty(me).unwrap_or_default();
    let opts = PutOptions {
        mode: PutMode::Create,
        ..PutOptions::default()
    };
    let conditional = match store
        .put_opts(&key(), PutPayload::from(body.clone()), opts)
        .await
    {
        Ok(_) => true,
        Err(
            object_store::Error::AlreadyExists { .. } | object_store::Error::Precondition { .. },
        ) => {
            let held = read(store, dest).await?.unwrap_or_else(|| me.clone());
            return Err(locked(dest, &held));
        }
        Err(object_store::Error::NotImplemented { .. }) => {
            store
                .put(&key(), PutPayload::from(body))
                .await
                .map_err(|e| store_err(dest, "write", e))?;
            false
        }
        Err(e) => return Err(store_err(dest, "write", e)),
    };
    match read(store, dest).await? {
        Some(held) if held.token == me.token => Ok(conditional),
        Some(held) => Err(locked(dest, &held)),
        None => Err(store_err(
            dest,
            "read back",
            object_store::Error::NotFound {
                path: LOCK_KEY.into(),
                source: "the lock vanished right after it was written".into(),
            },
        )),
    }
}

/// Releases the lock if it is still ours (someone may have broken it).
pub async fn release(store: &Arc<dyn ObjectStore>, dest: &str, me: &LockInfo) -> Result<()> {
    match read(store, dest).await? {
        Some(held) if held.token == me.token => match store.delete(&key()).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(store_err(dest, "delete", e)),
        },
        _ => Ok(()),
    }
}

/// Removes the lock whoever holds it (`--break-lock`); returns who held it.
pub async fn break_lock(store: &Arc<dyn ObjectStore>, dest: &str) -> Result<Option<LockInfo>> {
    let held = read(store, dest).await?;
    if held.is_some() {
        match store.delete(&key()).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
            Err(e) => return Err(store_err(dest, "delete", e)),
        }
    }
    Ok(held)
}
