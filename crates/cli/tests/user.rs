//! `zicht user …` end to end on a real SQLite store: the first admin, a
//! supplier bound to a catalogue organisation, API tokens, and the audit
//! record (actor NULL) every change leaves.

use std::io::Write;
use std::process::{Command, Stdio};

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn zicht(db: &str, args: &[&str], stdin: Option<&str>) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_zicht"))
        .arg("--db")
        .arg(db)
        .args(args)
        .env_remove("ZICHT_DATABASE_URL")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run zicht");
    {
        let mut pipe = child.stdin.take().unwrap();
        if let Some(text) = stdin {
            pipe.write_all(text.as_bytes()).unwrap();
        }
    }
    let out = child.wait_with_output().unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn ok(r: Run) -> Run {
    assert_eq!(r.code, 0, "stdout:\n{}\nstderr:\n{}", r.stdout, r.stderr);
    r
}

#[test]
fn user_add_list_and_token() {
    let dir = std::env::temp_dir().join(format!("zicht-cli-{}-user", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let db = format!("sqlite://{}/z.db", dir.display());

    // A fresh store has no catalogue yet: say which organisation and what to do.
    let r = zicht(
        &db,
        &[
            "user",
            "add",
            "sup",
            "--role",
            "supplier",
            "--organisation",
            "comensha",
        ],
        None,
    );
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("'comensha'") && r.stderr.contains("zicht init"),
        "{}",
        r.stderr
    );
    ok(zicht(&db, &["init"], None));

    let r = ok(zicht(
        &db,
        &[
            "user",
            "add",
            "root",
            "--role",
            "admin",
            "--name",
            "Root Admin",
        ],
        None,
    ));
    let password = r
        .stdout
        .lines()
        .find_map(|l| l.strip_prefix("password (shown once): "))
        .unwrap_or_else(|| panic!("no password in {}", r.stdout))
        .to_owned();
    assert_eq!(password.len(), 20);

    let r = zicht(
        &db,
        &[
            "user",
            "add",
            "sup",
            "--role",
            "supplier",
            "--organisation",
            "comensha",
            "--password-stdin",
        ],
        Some("too short\n"),
    );
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("at least 12"), "{}", r.stderr);
    let r = ok(zicht(
        &db,
        &[
            "user",
            "add",
            "sup",
            "--role",
            "supplier",
            "--organisation",
            "comensha",
            "--password-stdin",
        ],
        Some("a supplier's own passphrase\n"),
    ));
    assert!(!r.stdout.contains("password"), "{}", r.stdout);
    for (args, says) in [
        (vec!["user", "add", "root", "--role", "admin"], "taken"),
        (
            vec!["user", "add", "x", "--role", "supplier"],
            "organisation",
        ),
        (vec!["user", "add", "x", "--role", "boss"], "not a role"),
        (
            vec![
                "user",
                "add",
                "sup2",
                "--role",
                "supplier",
                "--organisation",
                "nope",
            ],
            "'nope'",
        ),
    ] {
        let r = zicht(&db, &args, None);
        assert_eq!(r.code, if says == "not a role" { 2 } else { 1 }, "{args:?}");
        assert!(r.stderr.contains(says), "{args:?}: {}", r.stderr);
    }

    let r = ok(zicht(&db, &["user", "list"], None));
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{}", r.stdout);
    assert!(lines[0].starts_with("root\tadmin\t-\tactive\tRoot Admin"));
    assert!(lines[1].starts_with("sup\tsupplier\tcomensha\tactive"));

    let r = ok(zicht(
        &db,
        &["user", "token", "sup", "--name", "upload script"],
        None,
    ));
    let secret = r.stdout.trim().to_owned();
    assert!(
        secret.starts_with("zicht_") && secret.len() == 70,
        "{secret}"
    );
    assert_eq!(
        zicht(&db, &["user", "token", "nobody", "--name", "x"], None).code,
        1
    );

    // What the store kept: the right passwords and token, audited as the terminal.
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let store = zicht_store::Store::open(&db).await.unwrap();
        let (_, hash) = store.login_credentials("root").await.unwrap().unwrap();
        assert!(zicht_service::secrets::verify_password(&password, &hash));
        let (_, hash) = store.login_credentials("sup").await.unwrap().unwrap();
        assert!(zicht_service::secrets::verify_password(
            "a supplier's own passphrase",
            &hash
        ));
        let (user, _) = store
            .user_by_token(&zicht_service::secrets::hash_token(&secret))
            .await
            .unwrap()
            .expect("the printed token works");
        assert_eq!(user.login, "sup");
        let log = store
            .audit_log(&zicht_store::AuditFilter::default())
            .await
            .unwrap();
        let actions: Vec<&str> = log.iter().map(|r| r.entry.action.as_str()).collect();
        assert_eq!(actions, ["token.create", "user.add", "user.add"]);
        assert!(log.iter().all(|r| r.entry.actor.is_none()));
        assert!(!format!("{log:?}").contains("argon2") && !format!("{log:?}").contains(&secret));
    });
}
