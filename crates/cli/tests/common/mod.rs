//! What the CLI's integration tests share: running the real binary against a
//! store of their own.

use std::path::PathBuf;
use std::process::{Command, Output};

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

pub fn zicht(db: &str, args: &[&str]) -> Run {
    let out: Output = Command::new(env!("CARGO_BIN_EXE_zicht"))
        .arg("--db")
        .arg(db)
        .args(args)
        .env_remove("ZICHT_DATABASE_URL")
        .output()
        .expect("run zicht");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

pub fn tmp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("zicht-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

pub fn sqlite(name: &str) -> (PathBuf, String) {
    let dir = tmp(name);
    let url = format!("sqlite://{}/z.db", dir.display());
    (dir, url)
}

pub fn ok(r: Run) -> Run {
    assert_eq!(r.code, 0, "stdout:\n{}\nstderr:\n{}", r.stdout, r.stderr);
    r
}
